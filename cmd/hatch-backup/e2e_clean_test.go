package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// populate fills e's root with n backups spread over hosts, one every few
// hours back from now minus offset, with jitter that keeps them off day boundaries of
// the policies below by minutes, not microseconds.
func (e *testEnv) populate(n int, offset time.Duration, hosts ...string) []store.GenRecord {
	e.t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	now := time.Now().Add(-offset)
	var bs []store.GenBackup
	for i := range n {
		host := hosts[i%len(hosts)]
		age := time.Duration(i/len(hosts))*3*time.Hour + time.Duration(10+rng.IntN(100))*time.Minute
		bs = append(bs, store.GenBackup{Host: host, Created: now.Add(-age), Data: fmt.Appendf(nil, `{"n": %d, "key": "%s"}`, i, secretMarker)})
	}
	recs, err := store.Populate(e.root, time.Local, bs)
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func (e *testEnv) clean(args ...string) cleanJSON {
	e.t.Helper()
	r := e.must(0, append([]string{"clean", "--json"}, args...)...)
	var out cleanJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		e.t.Fatalf("clean --json: %v\n%s", err, r.stdout)
	}
	return out
}

// TestCleanThousandsOfBackups runs clean on a store of a few thousand
// backups, policy after policy, each stricter than the last, and checks the
// survivors of each against the engine's decisions on the backups left.
func TestCleanThousandsOfBackups(t *testing.T) {
	hosts := []string{"claude-desktop", "cursor", "vscode", "codex", "gemini"}
	cases := []struct {
		args   []string
		policy store.Policy
	}{
		{[]string{"--keep-count", "200", "--older-than-days", "60", "--keep-monthly", "3", "--host", "cursor", "--host", "codex"},
			store.Policy{KeepCount: intp(200), OlderThanDays: intp(60), KeepMonthly: 3}},
		{[]string{"--older-than-days", "40", "--keep-weekly", "30"}, store.Policy{OlderThanDays: intp(40), KeepWeekly: 30}},
		{[]string{"--keep-count", "150"}, store.Policy{KeepCount: intp(150)}},
		{[]string{"--older-than-days", "7", "--keep-daily", "14", "--keep-weekly", "8", "--keep-monthly", "6"},
			store.Policy{OlderThanDays: intp(7), KeepDaily: 14, KeepWeekly: 8, KeepMonthly: 6}},
		{[]string{"--keep-count", "0", "--host", "vscode"}, store.Policy{KeepCount: intp(0)}},
		{[]string{"--older-than-days", "0"}, store.Policy{OlderThanDays: intp(0)}},
	}
	e := newEnv(t)
	recs := e.populate(3000, 0, hosts...)
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			only := map[string]bool{}
			for i, a := range c.args {
				if a == "--host" {
					only[c.args[i+1]] = true
				}
			}
			var judged []store.GenRecord
			for _, r := range recs {
				if len(only) == 0 || only[r.Host] {
					judged = append(judged, r)
				}
			}
			before, _ := store.GenDecide(judged, c.policy, time.Now(), time.Local)
			out := e.clean(c.args...)
			after, _ := store.GenDecide(judged, c.policy, time.Now(), time.Local)
			if !slices.Equal(before, after) {
				t.Skip("a decision changed while clean ran (a day boundary passed): nothing to compare against")
			}
			if len(out.Removed) == 0 {
				t.Errorf("nothing removed: the step proves little")
			}
			recs = checkCleanAgainst(t, e, recs, out, before, only)
		})
	}
}

// checkCleanAgainst compares clean's output, the listing and the files
// with the engine's decisions; it returns the records that survive.
func checkCleanAgainst(t *testing.T, e *testEnv, recs []store.GenRecord, out cleanJSON, want []store.GenDecision, only map[string]bool) (left []store.GenRecord) {
	t.Helper()
	wantKept := map[string]string{}
	for _, d := range want {
		if d.Keep {
			wantKept[filepath.Join(e.root, filepath.FromSlash(d.ID))] = d.Reason
		}
	}
	if len(out.Kept)+len(out.Removed) != len(want) || len(out.Kept) != len(wantKept) {
		t.Fatalf("kept %d, removed %d; the engine keeps %d of %d", len(out.Kept), len(out.Removed), len(wantKept), len(want))
	}
	for _, v := range out.Kept {
		if reason, ok := wantKept[v.FilePath]; !ok || reason != v.Reason {
			t.Errorf("kept %s (%q); the engine says keep %v (%q)", v.FilePath, v.Reason, ok, reason)
		}
	}
	listed := map[string]bool{}
	for _, b := range e.listJSON() {
		listed[b.FilePath] = true
	}
	newest := map[string]store.GenRecord{}
	for _, r := range recs {
		p := filepath.Join(e.root, filepath.FromSlash(r.File))
		_, statErr := os.Lstat(p)
		survives := len(only) > 0 && !only[r.Host] || wantKept[p] != ""
		if listed[p] != survives || (statErr == nil) != survives {
			t.Errorf("%s: listed %v, on disk %v; want %v", p, listed[p], statErr == nil, survives)
		}
		if survives {
			left = append(left, r)
		}
		if r.Created.After(newest[r.Host].Created) {
			newest[r.Host] = r
		}
	}
	for host, r := range newest {
		if !listed[filepath.Join(e.root, filepath.FromSlash(r.File))] {
			t.Errorf("the newest backup of %s was removed", host)
		}
	}
	return left
}

func TestCleanDryRunIsBitIdentical(t *testing.T) {
	e := newEnv(t)
	e.populate(300, 0, "cursor", "vscode")
	before, err := store.Snapshot(e.root)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"clean", "--older-than-days", "1", "--dry-run"},
		{"clean", "--keep-count", "0", "--dry-run", "--json"},
		{"clean", "--keep-count", "3", "--keep-daily", "7", "--host", "cursor", "--dry-run"},
	} {
		r := e.must(0, args...)
		if !strings.Contains(r.stdout, "remove") {
			t.Errorf("%v removes nothing: the test proves nothing\n%s", args, r.stdout)
		}
	}
	after, _ := store.Snapshot(e.root)
	if !maps.Equal(before, after) {
		for p, v := range after {
			if before[p] != v {
				t.Errorf("dry run changed %s", p)
			}
		}
		t.Errorf("dry run changed the tree (%d paths before, %d after)", len(before), len(after))
	}
	r := e.must(0, "clean", "--keep-count", "1", "--dry-run")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 301 || !strings.HasPrefix(lines[0], "keep ") || !strings.Contains(lines[0], "newest") ||
		!strings.HasPrefix(lines[1], "remove ") || !strings.Contains(lines[300], "would remove 298 of 300") {
		t.Errorf("dry-run table:\n%s\n...\n%s", strings.Join(lines[:3], "\n"), lines[len(lines)-1])
	}
}

// TestCleanAndCompactBadInput: each bad flag is exit 2 with a one-line
// error naming it, before anything is opened: the tree is unchanged, and a
// missing root is not created.
func TestCleanAndCompactBadInput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"no criterion", []string{"clean"}, "--older-than-days or --keep-count"},
		{"protections only", []string{"clean", "--keep-daily", "7", "--keep-weekly", "2"}, "no removal criterion"},
		{"dry run without criterion", []string{"clean", "--dry-run"}, "no removal criterion"},
		{"negative older-than-days", []string{"clean", "--older-than-days", "-1"}, "--older-than-days -1"},
		{"negative keep-count", []string{"clean", "--keep-count", "-5"}, "--keep-count -5"},
		{"negative keep-daily", []string{"clean", "--keep-count", "1", "--keep-daily", "-1"}, "--keep-daily -1"},
		{"negative keep-weekly", []string{"clean", "--keep-count", "1", "--keep-weekly", "-2"}, "--keep-weekly -2"},
		{"negative keep-monthly", []string{"clean", "--keep-count", "1", "--keep-monthly", "-3"}, "--keep-monthly -3"},
		{"not a number", []string{"clean", "--keep-count", "ten"}, "ten"},
		{"unknown host", []string{"clean", "--keep-count", "1", "--host", "sublime"}, "sublime"},
		{"stray argument", []string{"clean", "30"}, "--older-than-days"},
		{"compact negative", []string{"compact", "--compress-older-than-days", "-1"}, "--compress-older-than-days -1"},
		{"compact not a number", []string{"compact", "--compress-older-than-days", "x"}, "x"},
		{"compact stray argument", []string{"compact", "now"}, "--compress-older-than-days"},
	}
	e := newEnv(t)
	e.populate(20, 0, "cursor")
	before := snapshot(t, e.root)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, json := range []bool{false, true} {
				args := c.args
				if json {
					args = append(slices.Clone(args), "--json")
				}
				r := e.must(2, args...)
				if !strings.Contains(r.stderr, c.says) || strings.Count(r.stderr, "\n") != 1 {
					t.Errorf("stderr %q: want one line naming %q", r.stderr, c.says)
				}
				if json && !strings.Contains(r.stdout, `"code": 2`) {
					t.Errorf("--json error document: %s", r.stdout)
				}
			}
			sameSnapshot(t, c.name, before, snapshot(t, e.root))
			missing := filepath.Join(e.home, "no-root")
			e.must(2, append([]string{"--root", missing}, c.args...)...)
			if _, err := os.Lstat(missing); err == nil {
				t.Errorf("%v created the root %s", c.args, missing)
			}
		})
	}
}

// TestCleanRacingCreate: creates running while clean removes never lose a
// backup: every create that succeeded is still listed and on disk, and
// index and files agree. The old backups are all due for removal; the new
// ones never are.
func TestCleanRacingCreate(t *testing.T) {
	e := newEnv(t)
	e.populate(400, 48*time.Hour, "cursor")
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "racing", 0o600)
	const creators, rounds = 4, 5
	var mu sync.Mutex
	var created []string
	var wg sync.WaitGroup
	for range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				r := e.run("create", "--host", "cursor", "--lock-timeout", "60s")
				if r.code != 0 {
					t.Errorf("create: %s", r)
					return
				}
				mu.Lock()
				created = append(created, strings.TrimSpace(r.stdout))
				mu.Unlock()
			}
		}()
	}
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				if r := e.run("clean", "--older-than-days", "1", "--lock-timeout", "60s"); r.code != 0 {
					t.Errorf("clean: %s", r)
				}
			}
		}()
	}
	wg.Wait()
	e.must(0, "clean", "--older-than-days", "1")
	listed := map[string]bool{}
	for _, b := range e.listJSON() {
		listed[b.FilePath] = true
		if _, err := os.Lstat(b.FilePath); err != nil {
			t.Errorf("indexed %s has no file: %v", b.FilePath, err)
		}
	}
	for _, p := range created {
		data, err := os.ReadFile(p)
		if !listed[p] || err != nil || !bytes.Contains(data, []byte("racing")) {
			t.Errorf("backup %s of a create that succeeded: listed %v, read %v", p, listed[p], err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.root, "cursor"))
	if len(entries) != len(listed) || len(listed) != len(created) {
		t.Errorf("%d files, %d listed, %d created: old ones left or new ones lost", len(entries), len(listed), len(created))
	}
}

func intp(n int) *int { return &n }
