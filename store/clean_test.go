package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/retention"
)

// cleanNow is the injected "now" of the clean and compact tests.
var cleanNow = time.Date(2025, 9, 21, 14, 30, 0, 0, time.UTC)

func intp(n int) *int { return &n }

// populate fills f's root with n backups per host, one every spacing back
// from cleanNow (plus a few minutes of jitter), and returns their records.
func (f *fixture) populate(n int, spacing time.Duration, hosts ...string) []index.Record {
	f.t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var bs []GenBackup
	for _, h := range hosts {
		for i := range n {
			created := cleanNow.Add(-time.Duration(i)*spacing - time.Duration(rng.IntN(600))*time.Second - time.Minute)
			bs = append(bs, GenBackup{Host: h, Created: created, Data: fmt.Appendf(nil, `{"%s": %d}`, h, i)})
		}
	}
	recs, err := Populate(f.root, time.UTC, bs)
	if err != nil {
		f.t.Fatal(err)
	}
	return recs
}

func (f *fixture) clean(o CleanOptions, mod ...func(*Options)) (CleanResult, error) {
	f.t.Helper()
	s := f.open(append([]func(*Options){atCleanNow}, mod...)...)
	defer s.Close()
	return s.Clean(context.Background(), o)
}

func atCleanNow(o *Options) {
	o.Now = func() time.Time { return cleanNow }
	o.Location = time.UTC
}

func TestCleanFollowsTheEngine(t *testing.T) {
	hosts := []string{"cursor", "vscode", "codex"}
	cases := []struct {
		name   string
		hosts  []string
		policy retention.Policy
	}{
		{"older than 10 days", nil, retention.Policy{OlderThanDays: intp(10)}},
		{"keep count 5", nil, retention.Policy{KeepCount: intp(5)}},
		{"keep count 0", nil, retention.Policy{KeepCount: intp(0)}},
		{"older than 0 days", nil, retention.Policy{OlderThanDays: intp(0)}},
		{"both, with buckets", nil, retention.Policy{OlderThanDays: intp(7), KeepCount: intp(3), KeepDaily: 3, KeepWeekly: 4, KeepMonthly: 2}},
		{"one host only", []string{"vscode"}, retention.Policy{KeepCount: intp(2)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			recs := f.populate(40, 17*time.Hour, hosts...)
			var items []retention.Item
			for _, r := range recs {
				if len(c.hosts) == 0 || r.Host == c.hosts[0] {
					items = append(items, retention.Item{ID: r.File, Host: r.Host, Created: r.Created})
				}
			}
			want, err := retention.Decide(items, c.policy, cleanNow, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var progress []string
			res, err := f.clean(CleanOptions{Hosts: c.hosts, Policy: c.policy, Progress: func(done, total int) {
				progress = append(progress, fmt.Sprint(done, "/", total))
			}})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(res.Kept) + len(res.Removed); got != len(want) {
				t.Fatalf("%d verdicts, want %d", got, len(want))
			}
			if n := len(res.Removed); len(progress) != n || n > 0 && progress[n-1] != fmt.Sprint(n, "/", n) {
				t.Errorf("progress %v for %d removals", progress, n)
			}
			checkVerdicts(t, f.root, res, want)
			left := map[string]bool{}
			for _, b := range f.all() {
				left[b.Host+"/"+b.Timestamp] = true
			}
			for _, r := range recs {
				if len(c.hosts) > 0 && r.Host != c.hosts[0] && !left[r.Host+"/"+r.Timestamp] {
					t.Errorf("%s of a host not asked for was removed", r.File)
				}
			}
			for _, h := range hosts {
				if latest := latestOf(recs, h); !left[h+"/"+latest.Timestamp] {
					t.Errorf("newest backup of %s (%s) was removed", h, latest.Timestamp)
				}
			}
		})
	}
}

// checkVerdicts compares Clean's verdicts with the engine's decisions, in
// order, and the files on disk with them.
func checkVerdicts(t *testing.T, root string, res CleanResult, want []retention.Decision) {
	t.Helper()
	kept, removed := res.Kept, res.Removed
	for _, d := range want {
		var v Verdict
		if d.Keep {
			v, kept = kept[0], kept[1:]
		} else {
			v, removed = removed[0], removed[1:]
		}
		if rel, _ := filepath.Rel(root, v.Path); filepath.ToSlash(rel) != d.ID || v.Reason != d.Reason {
			t.Fatalf("verdict %s %q, want %s %q (keep %v)", rel, v.Reason, d.ID, d.Reason, d.Keep)
		}
		_, err := os.Lstat(v.Path)
		if exists := err == nil; exists != (d.Keep || res.DryRun) {
			t.Errorf("%s exists: %v, keep %v, dry run %v", v.Path, exists, d.Keep, res.DryRun)
		}
	}
}

func latestOf(recs []index.Record, host string) index.Record {
	var latest index.Record
	for _, r := range recs {
		if r.Host == host && r.Created.After(latest.Created) {
			latest = r
		}
	}
	return latest
}

func TestCleanRefusesBadInput(t *testing.T) {
	cases := []struct {
		name   string
		o      CleanOptions
		want   []error
		naming string
	}{
		{"no criterion", CleanOptions{}, []error{ErrInvalid, retention.ErrNoCriterion}, "--older-than-days"},
		{"only protections", CleanOptions{Policy: retention.Policy{KeepDaily: 7}}, []error{ErrInvalid, retention.ErrNoCriterion}, "--keep-count"},
		{"negative older-than-days", CleanOptions{Policy: retention.Policy{OlderThanDays: intp(-1)}}, []error{ErrInvalid}, "--older-than-days -1"},
		{"negative keep-count", CleanOptions{Policy: retention.Policy{KeepCount: intp(-3)}}, []error{ErrInvalid}, "--keep-count -3"},
		{"negative keep-daily", CleanOptions{Policy: retention.Policy{KeepCount: intp(1), KeepDaily: -1}}, []error{ErrInvalid}, "--keep-daily -1"},
		{"negative keep-weekly", CleanOptions{Policy: retention.Policy{KeepCount: intp(1), KeepWeekly: -1}}, []error{ErrInvalid}, "--keep-weekly -1"},
		{"negative keep-monthly", CleanOptions{Policy: retention.Policy{KeepCount: intp(1), KeepMonthly: -2}}, []error{ErrInvalid}, "--keep-monthly -2"},
		{"unknown host", CleanOptions{Hosts: []string{"../etc"}, Policy: retention.Policy{KeepCount: intp(0)}}, []error{ErrUnknownHost}, "../etc"},
	}
	f := newFixture(t)
	f.populate(5, time.Hour, "cursor")
	before := treeSnapshot(t, f.root)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, dry := range []bool{false, true} {
				c.o.DryRun = dry
				_, err := f.clean(c.o)
				for _, w := range c.want {
					if !errors.Is(err, w) {
						t.Errorf("dry run %v: error %v, want %v", dry, err, w)
					}
				}
				if err != nil && !strings.Contains(err.Error(), c.naming) {
					t.Errorf("error %q does not name %q", err, c.naming)
				}
			}
			sameTree(t, before, treeSnapshot(t, f.root))
		})
	}
}

func TestCleanDryRunChangesNothing(t *testing.T) {
	f := newFixture(t)
	recs := f.populate(30, 13*time.Hour, "cursor", "gemini")
	before := treeSnapshot(t, f.root)
	p := retention.Policy{OlderThanDays: intp(3), KeepDaily: 2}
	res, err := f.clean(CleanOptions{Policy: p, DryRun: true}, func(o *Options) { o.UpgradingReader = true })
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, before, treeSnapshot(t, f.root))
	if len(res.Removed) == 0 || !res.DryRun {
		t.Fatalf("dry run would remove nothing: the test proves nothing")
	}
	var items []retention.Item
	for _, r := range recs {
		items = append(items, retention.Item{ID: r.File, Host: r.Host, Created: r.Created})
	}
	want, _ := retention.Decide(items, p, cleanNow, time.UTC)
	checkVerdicts(t, f.root, res, want)
}

func TestCleanReportsAFileItCannotRemove(t *testing.T) {
	f := newFixture(t)
	recs := f.populate(6, time.Hour, "cursor")
	victim := filepath.Join(f.root, filepath.FromSlash(recs[3].File))
	rec := hatomic.NewRecorder(hatomic.OS())
	rec.Fail("remove", func(p string) bool { return p == victim }, syscall.EACCES)
	res, err := f.clean(CleanOptions{Policy: retention.Policy{KeepCount: intp(2)}}, func(o *Options) { o.FS = rec })
	if !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), victim) || !strings.Contains(err.Error(), "unindexed") {
		t.Fatalf("error %v: want EACCES naming %s as unindexed", err, victim)
	}
	if len(res.Removed) != 4 {
		t.Fatalf("%d removed, want 4", len(res.Removed))
	}
	for _, v := range res.Removed {
		if _, err := os.Lstat(v.Path); (err == nil) != (v.Path == victim) {
			t.Errorf("%s: lstat %v", v.Path, err)
		}
	}
	if n := len(f.all()); n != 2 {
		t.Errorf("%d indexed after clean, want 2", n)
	}
	syncs := 0
	for _, c := range rec.Calls() {
		if c.Op == "syncdir" && c.Path == filepath.Dir(victim) {
			syncs++
		}
	}
	if syncs != 1 {
		t.Errorf("host folder synced %d times, want once", syncs)
	}
	os.Remove(victim) // what reindex would adopt; the invariants want no unindexed file
}

// treeSnapshot maps every path under dir to its mode, mtime and content.
func treeSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	snap, err := Snapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func sameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s was removed", p)
		} else if a != v {
			t.Errorf("%s changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}

// TestCleanKeepsNewestThatParses: when the newest backups of a host are of
// a config that does not parse, clean keeps the newest one that does, so
// a broken rewrite never costs the last good copy.
func TestCleanKeepsNewestThatParses(t *testing.T) {
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"mcpServers": {}}`))
	f.create("cursor", p)
	good := f.create("cursor", f.config("mcp.json", []byte(`{"mcpServers": {"a": {}}}`)))
	os.WriteFile(p, []byte(`{"mcpServers": {`), 0o600)
	bad1 := f.create("cursor", p)
	bad2 := f.create("cursor", p)
	if !bad1.Unparsable() || good.Unparsable() {
		t.Fatalf("parse status: good %v, bad %v", good.Parsed, bad1.Parsed)
	}
	keep := 1
	s := f.open()
	res, err := s.Clean(context.Background(), CleanOptions{Policy: retention.Policy{KeepCount: &keep}})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]string{}
	for _, v := range res.Kept {
		kept[v.Backup.Path] = v.Reason
	}
	if len(res.Kept) != 2 || kept[bad2.Path] == "" || kept[good.Path] == "" {
		t.Fatalf("kept %v, want the newest (%s) and the newest that parses (%s)", kept, bad2.Path, good.Path)
	}
	if len(res.Removed) != 2 {
		t.Errorf("removed %d, want 2", len(res.Removed))
	}
}

// TestCleanStreamsInBatches runs Clean across many batch boundaries, with
// its verdicts collected, streamed kept-first (clean --json) and streamed
// mixed (clean's table): each way, the verdicts and the files left are
// the engine's, in its order, and the streamed runs hold no verdicts.
func TestCleanStreamsInBatches(t *testing.T) {
	defer func(n int) { cleanBatch = n }(cleanBatch)
	cleanBatch = 3
	hosts := []string{"cursor", "vscode", "codex"}
	policy := retention.Policy{OlderThanDays: intp(7), KeepCount: intp(3), KeepDaily: 3, KeepWeekly: 4, KeepMonthly: 2}
	for _, mode := range []string{"collected", "kept first", "mixed"} {
		for _, dry := range []bool{true, false} {
			t.Run(fmt.Sprint(mode, " dry ", dry), func(t *testing.T) {
				f := newFixture(t)
				recs := f.populate(40, 17*time.Hour, hosts...)
				var items []retention.Item
				for _, r := range recs {
					items = append(items, retention.Item{ID: r.File, Host: r.Host, Created: r.Created})
				}
				want, err := retention.Decide(items, policy, cleanNow, time.UTC)
				if err != nil {
					t.Fatal(err)
				}
				o := CleanOptions{Policy: policy, DryRun: dry}
				var got CleanResult
				var order []retention.Decision // mixed: every verdict as it came
				removing := false
				switch mode {
				case "kept first":
					o.KeptFirst = true
					fallthrough
				case "mixed":
					o.Each = func(v Verdict, removed bool) error {
						if removed {
							removing = true
							got.Removed = append(got.Removed, v)
						} else {
							if removing && o.KeptFirst {
								t.Errorf("kept %s after a removed one", v.Path)
							}
							got.Kept = append(got.Kept, v)
						}
						rel, _ := filepath.Rel(f.root, v.Path)
						order = append(order, retention.Decision{Item: retention.Item{ID: filepath.ToSlash(rel)}, Keep: !removed, Reason: v.Reason})
						return nil
					}
				}
				res, err := f.clean(o)
				if err != nil {
					t.Fatal(err)
				}
				if res.KeptCount+res.RemovedCount != len(want) || res.RemovedCount == 0 {
					t.Fatalf("counted %d kept, %d removed; want %d in all, some removed", res.KeptCount, res.RemovedCount, len(want))
				}
				if o.Each == nil {
					got = res
				} else if len(res.Kept)+len(res.Removed) != 0 {
					t.Errorf("streamed, the result still holds %d verdicts", len(res.Kept)+len(res.Removed))
				}
				got.DryRun = dry
				checkVerdicts(t, f.root, got, want)
				if mode == "mixed" {
					for i, d := range want {
						if order[i].ID != d.ID || order[i].Keep != d.Keep {
							t.Fatalf("verdict %d: %s keep %v, want %s keep %v", i, order[i].ID, order[i].Keep, d.ID, d.Keep)
						}
					}
				}
				checkInvariants(t, f.root)
			})
		}
	}
}

// TestCleanStopsOnEachError: an error from Each is Clean's, unchanged.
func TestCleanStopsOnEachError(t *testing.T) {
	f := newFixture(t)
	f.populate(5, time.Hour, "cursor")
	stop := errors.New("stop")
	_, err := f.clean(CleanOptions{Policy: retention.Policy{KeepCount: intp(1)}, Each: func(Verdict, bool) error { return stop }})
	if err != stop {
		t.Fatalf("err %v, want the callback's own", err)
	}
}
