package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

func TestParseTimeArg(t *testing.T) {
	loc := time.FixedZone("test", 2*3600)
	now := time.Date(2025, 9, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		end  bool
		want time.Time
	}{
		{"", false, time.Time{}},
		{"20250921_100000_123456", false, time.Date(2025, 9, 21, 10, 0, 0, 123456000, loc)},
		{"2025-09-21", false, time.Date(2025, 9, 21, 0, 0, 0, 0, loc)},
		{"2025-09-21", true, time.Date(2025, 9, 21, 23, 59, 59, 999999000, loc)},
		{"2025-09-21T10:00:00Z", false, time.Date(2025, 9, 21, 10, 0, 0, 0, time.UTC)},
		{"2025-09-21T10:00:00.5+02:00", false, time.Date(2025, 9, 21, 8, 0, 0, 500000000, time.UTC)},
		{"90m", false, now.Add(-90 * time.Minute)},
		{"36h", false, now.Add(-36 * time.Hour)},
		{"7d", false, now.Add(-7 * 24 * time.Hour)},
		{"2w", false, now.Add(-14 * 24 * time.Hour)},
		{"0d", true, now},
	}
	for _, c := range cases {
		got, err := parseTimeArg("since", c.in, now, loc, c.end)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("%q (end %v): %v %v, want %v", c.in, c.end, got, err, c.want)
		}
	}
	for _, bad := range []string{"yesterday", "7", "d", "-7d", "7y", "1.5h", "2025-13-01", "2025-02-30", "20251340_000000_000000", "99999999999999999999d", "../../x"} {
		_, err := parseTimeArg("until", bad, now, loc, false)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) || !strings.Contains(err.Error(), "--until") {
			t.Errorf("%q: %v, want a usage error naming --until and the value", bad, err)
		}
	}
}

func TestExitCode(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("op: %w", err) }
	cases := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("disk on fire"), 1},
		{usagef("bad"), 2},
		{wrap(store.ErrUnknownHost), 2},
		{wrap(store.ErrInvalid), 2},
		{wrap(store.ErrNoOriginalPath), 2},
		{wrap(store.ErrIntegrity), 3},
		{wrap(store.ErrNewerSchema), 3},
		{wrap(store.ErrNotFound), 10},
		{wrap(store.ErrConfigMissing), 10},
		{wrap(store.ErrLocked), 11},
		{wrap(store.ErrInUse), 1},
		{errors.Join(errors.New("x"), context.Canceled), 130},
	}
	for _, c := range cases {
		if got := exitCode(c.err); got != c.want {
			t.Errorf("exitCode(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}

func TestHasJSONFlag(t *testing.T) {
	for args, want := range map[string]bool{
		"hb list --json":            true,
		"hb --json list":            true,
		"hb create cursor --json":   true,
		"hb list -- --json":         false,
		"hb list":                   false,
		"hb list --json=true":       true,
		"hb list --root --json-ish": false,
	} {
		if got := hasJSONFlag(strings.Fields(args)); got != want {
			t.Errorf("%s: %v", args, got)
		}
	}
}

// TestRunInProcess drives run() directly: no os.Exit, streams as given.
func TestRunInProcess(t *testing.T) {
	var out, errb bytes.Buffer
	env := map[string]string{"HOME": t.TempDir()}
	code := run(context.Background(), []string{"hatch-backup", "list", "--json"}, &out, &errb, func(k string) string { return env[k] })
	if code != 0 || strings.TrimSpace(out.String()) != "[\n]" {
		t.Errorf("list of an empty store: exit %d, %q, %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	code = run(context.Background(), []string{"hatch-backup", "create", "--host", "cursor", "extra"}, &out, &errb, func(k string) string { return env[k] })
	if code != 2 || out.Len() != 0 || strings.Count(errb.String(), "\n") != 1 {
		t.Errorf("stray argument: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// TestOneLineOfAnInterrupt: an interrupt says "rolled back" only where
// nothing was kept; a compact stopped after some backups says what stays.
func TestOneLineOfAnInterrupt(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{context.Canceled, "interrupted: the operation was rolled back"},
		{fmt.Errorf("verify: %w", context.Canceled), "interrupted: the operation was rolled back"},
		{errors.Join(&keptWork{done: "2 backups were compressed", err: fmt.Errorf("compressed 2 backups, but: %w", context.Canceled)}, context.Canceled),
			"interrupted: 2 backups were compressed; nothing else was changed"},
		{&keptWork{done: "2 backups were compressed", err: errors.New("disk full")}, "disk full"},
	}
	for _, c := range cases {
		if got := oneLine(c.err); got != c.want {
			t.Errorf("oneLine(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
