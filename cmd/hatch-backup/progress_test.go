package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgressBar(&out, "verify", func() time.Time { return now })
	p.update(0, 4) // first state: drawn
	p.update(1, 4) // too soon: skipped
	now = now.Add(progressEvery)
	p.update(2, 4) // drawn
	p.update(3, 4) // too soon: skipped
	p.update(4, 4) // final: always drawn, ends the line
	got := out.String()
	draws := strings.Split(strings.TrimPrefix(got, "\r"), "\r")
	if len(draws) != 3 {
		t.Fatalf("%d redraws, want 3: %q", len(draws), got)
	}
	for i, want := range []string{"0/4", "2/4", "4/4\n"} {
		if !strings.HasSuffix(draws[i], want) || !strings.HasPrefix(draws[i], "verify [") {
			t.Errorf("redraw %d = %q, want label and %q", i, draws[i], want)
		}
	}
	if strings.Count(got, "\n") != 1 {
		t.Errorf("newlines: %q", got)
	}
}

func TestBar(t *testing.T) {
	for _, c := range []struct {
		done, total int
		want        string
	}{{0, 4, "[    ]"}, {2, 4, "[##  ]"}, {4, 4, "[####]"}, {9, 4, "[####]"}, {-1, 4, "[    ]"}, {0, 0, "[####]"}} {
		if got := bar(c.done, c.total, 4); got != c.want {
			t.Errorf("bar(%d, %d) = %q, want %q", c.done, c.total, got, c.want)
		}
	}
}

// TestProgressQuiet: no bar when stderr is not a terminal or with --json.
func TestProgressQuiet(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, a := range map[string]*app{
		"buffer": {stderr: &bytes.Buffer{}},
		"file":   {stderr: f},
		"json":   {stderr: f, json: true},
	} {
		if p := a.progress("x"); p != nil {
			t.Errorf("%s: got a progress bar", name)
		}
	}
	if isTerminal(f) {
		t.Error("a regular file is a terminal")
	}
}

func TestHumanSizeAndAge(t *testing.T) {
	sizes := map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 KB", 5200: "5.2 KB", 1_500_000: "1.5 MB", 999_960: "1.0 MB", 3e12: "3.0 TB", 5e15: "5000.0 TB"}
	for n, want := range sizes {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
	ages := map[time.Duration]string{0: "just now", 42 * time.Second: "42s ago", 5 * time.Minute: "5m ago", 3 * time.Hour: "3h ago",
		47 * time.Hour: "47h ago", 72 * time.Hour: "3d ago", -3 * time.Minute: "in 3m"}
	for d, want := range ages {
		if got := humanAge(d); got != want {
			t.Errorf("humanAge(%v) = %q, want %q", d, got, want)
		}
	}
}
