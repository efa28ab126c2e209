package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

// hatch2099 is a backup name Python Hatch gives on a machine whose clock
// says 2099.
const hatch2099 = "mcp.json.cursor.20990101_000000_000000"

// dropFuture puts a Hatch backup dated 2099 (holding data) into cursor's
// folder and adopts it with reindex, as a user copying a Hatch folder does.
func (f *fixture) dropFuture(data []byte) string {
	f.t.Helper()
	p := filepath.Join(f.root, "cursor", hatch2099)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// TestFutureDatedNeverLatest: a backup dated 2099 lists, marked, in its
// place by instant, and is never the latest: not for show and diff
// (Find, Compare), not for restore, not for hosts.
func TestFutureDatedNeverLatest(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	f.create("cursor", p)
	os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
	real := f.create("cursor", p)
	future := f.dropFuture([]byte(`{"v": "2099"}`))
	os.WriteFile(p, []byte(`{"v": 3}`), 0o600)

	all := f.all()
	if len(all) != 3 || all[0].Path != future || !all[0].Future || all[1].Future || all[2].Future {
		t.Fatalf("listing: %+v", all)
	}
	ctx := context.Background()
	s := f.open()
	defer s.Close()
	for name, find := range map[string]func() (Backup, error){
		"Latest":          func() (Backup, error) { return s.Latest(ctx, "cursor") },
		"Find":            func() (Backup, error) { return s.Find(ctx, "cursor", "") },
		"LatestToRestore": func() (Backup, error) { return s.LatestToRestore(ctx, "cursor") },
		"Diff": func() (Backup, error) {
			d, err := s.Diff(ctx, DiffOptions{Host: "cursor"})
			return d.Backup, err
		},
		"HostStatuses": func() (Backup, error) {
			sts, err := s.HostStatuses(ctx)
			for _, st := range sts {
				if st.Host.Name == "cursor" && st.Latest != nil {
					return *st.Latest, err
				}
			}
			return Backup{}, err
		},
	} {
		if b, err := find(); err != nil || b.Path != real.Path {
			t.Errorf("%s: %s, %v; want the real newest %s", name, b.Path, err, real.Path)
		}
	}
	res, err := s.Restore(ctx, RestoreOptions{Host: "cursor"})
	if err != nil || res.Restored.Path != real.Path {
		t.Fatalf("restore took %s, %v; want %s", res.Restored.Path, err, real.Path)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
		t.Errorf("restore wrote %q", data)
	}
	// Asked for by its timestamp, it is still there to look at.
	if b, err := s.Get(ctx, "cursor", "20990101_000000_000000"); err != nil || !b.Future {
		t.Errorf("Get of the 2099 backup: %+v, %v", b, err)
	}
}

// TestFutureDatedSkipUnchanged: a backup taken while the clock said 2099
// is not the latest create --skip-unchanged compares with once the clock
// is right again.
func TestFutureDatedSkipUnchanged(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	f.create("cursor", p)
	os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
	wrong := &clock{t: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Second}
	f.create("cursor", p, func(o *Options) { o.Now = wrong.Now })
	s := f.open()
	defer s.Close()
	res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p, SkipUnchanged: true})
	if err != nil || res.Skipped || res.Backup.Future {
		t.Fatalf("create --skip-unchanged: %+v, %v; want a new backup of {\"v\": 2}", res, err)
	}
	again, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p, SkipUnchanged: true})
	if err != nil || !again.Skipped || again.Backup.Path != res.Backup.Path {
		t.Errorf("second create --skip-unchanged: %+v, %v; want it skipped against %s", again, err, res.Backup.Path)
	}
}

// TestFutureDatedClean: clean --keep-count 1 with a 2099 backup keeps the
// real newest, and no count ever removes the 2099 backup.
func TestFutureDatedClean(t *testing.T) {
	for _, n := range []int{1, 0} {
		f := newFixture(t)
		p := f.config("c.json", []byte(`{"v": 1}`))
		old := f.create("cursor", p)
		os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
		real := f.create("cursor", p)
		future := f.dropFuture([]byte(`{"v": "2099"}`))
		s := f.open()
		res, err := s.Clean(context.Background(), CleanOptions{Policy: retention.Policy{KeepCount: &n}})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Removed) != 1 || res.Removed[0].Path != old.Path {
			t.Errorf("keep-count %d removed %+v; want only %s", n, res.Removed, old.Path)
		}
		for _, p := range []string{real.Path, future} {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("keep-count %d removed %s: %v", n, p, err)
			}
		}
		for _, v := range res.Kept {
			if v.Path == future && (v.Reason != "future-dated" || !v.Future) {
				t.Errorf("the 2099 backup kept as %q (future %v)", v.Reason, v.Future)
			}
		}
	}
}

// TestFutureDatedVerify: verify names a future-dated backup in a warning,
// not a problem (no repair could clear it).
func TestFutureDatedVerify(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	f.create("cursor", p)
	future := f.dropFuture([]byte(`{"v": "2099"}`))
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	res, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil || len(res.Problems) != 0 || res.Checked != 2 {
		t.Fatalf("verify: %+v, %v", res, err)
	}
	want := Problem{Kind: WarningFuture, Host: "cursor", Timestamp: "20990101_000000_000000", Path: future}
	if len(res.Warnings) != 1 {
		t.Fatalf("warnings %+v, want one for %s", res.Warnings, future)
	}
	got := res.Warnings[0]
	got.Detail = ""
	if got != want {
		t.Errorf("warning %+v, want %+v", got, want)
	}
}

// TestFutureSlack: a backup a few hours ahead (a time-zone mix-up) is not
// future-dated; one more than a day ahead is.
func TestFutureSlack(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(t time.Time) func(*Options) { return func(o *Options) { o.Now = func() time.Time { return t } } }
	ahead := f.create("cursor", p, at(base.Add(FutureSlack)))
	beyond := f.create("cursor", p, at(base.Add(FutureSlack+time.Microsecond)))
	s := f.open(func(o *Options) { o.UpgradingReader = true }, at(base))
	defer s.Close()
	b, err := s.Latest(context.Background(), "cursor")
	if err != nil || b.Path != ahead.Path || b.Future {
		t.Errorf("latest %s (future %v), %v; want %s", b.Path, b.Future, err, ahead.Path)
	}
	if got, _ := s.Get(context.Background(), "cursor", beyond.Timestamp); !got.Future {
		t.Errorf("%s, a day and a microsecond ahead, is not future-dated", beyond.Timestamp)
	}
}

// TestRestoreTwice: restore the good backup, the app breaks its config
// again, restore again: the good backup goes back, not the safety backup
// of the broken config.
func TestRestoreTwice(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"good": true}`))
	good := f.create("cursor", p)
	ctx := context.Background()
	for i, broken := range []string{`{"broken": 1}`, `{"broken": 2}`} {
		os.WriteFile(p, []byte(broken), 0o600) // the app rewrote it at start
		s := f.open()
		res, err := s.Restore(ctx, RestoreOptions{Host: "cursor"})
		s.Close()
		if err != nil || res.Restored.Path != good.Path {
			t.Fatalf("restore %d took %s, %v; want %s", i+1, res.Restored.Path, err, good.Path)
		}
		if res.SafetyBackup == nil || !res.SafetyBackup.Safety {
			t.Errorf("restore %d: safety backup %+v, want one marked", i+1, res.SafetyBackup)
		}
		if data, _ := os.ReadFile(p); string(data) != `{"good": true}` {
			t.Fatalf("restore %d wrote %q", i+1, data)
		}
	}
	all := f.all()
	if len(all) != 3 || !all[0].Safety || !all[1].Safety || all[2].Safety {
		t.Errorf("listing: %+v", all)
	}
	// show and diff take what the file last looked like: the safety backup.
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	if b, err := s.Latest(ctx, "cursor"); err != nil || b.Path != all[0].Path {
		t.Errorf("Latest: %s, %v; want the newest safety backup %s", b.Path, err, all[0].Path)
	}
}

// TestRestoreRetryAfterFailure: a restore that failed after it took its
// safety backup, retried, restores the backup it meant to, instead of
// finding the safety backup "already there".
func TestRestoreRetryAfterFailure(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"good": true}`))
	good := f.create("cursor", p)
	os.WriteFile(p, []byte(`{"broken": 1}`), 0o600)
	rec, seam := f.recorder()
	rec.Fail("rename", under(f.dir), syscall.EROFS)
	s := f.open(seam)
	_, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor"})
	s.Close()
	if err == nil {
		t.Fatal("the faulty restore succeeded")
	}
	if all := f.all(); len(all) != 2 || !all[0].Safety {
		t.Fatalf("after the failed restore: %+v, want its safety backup", all)
	}
	s = f.open()
	res, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor"})
	s.Close()
	if err != nil || !res.Changed || res.Restored.Path != good.Path {
		t.Fatalf("retry: %+v, %v; want %s restored", res, err, good.Path)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"good": true}` {
		t.Errorf("retry wrote %q", data)
	}
}

// TestCleanAfterRestore: clean --keep-count 1 after a restore keeps the
// good backup just restored beside the safety copy of what it replaced.
func TestCleanAfterRestore(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"old": true}`))
	old := f.create("cursor", p)
	os.WriteFile(p, []byte(`{"good": true}`), 0o600)
	good := f.create("cursor", p)
	os.WriteFile(p, []byte(`{"broken": 1}`), 0o600)
	ctx := context.Background()
	s := f.open()
	restored, err := s.Restore(ctx, RestoreOptions{Host: "cursor"})
	if err != nil || restored.SafetyBackup == nil {
		t.Fatal(restored, err)
	}
	one := 1
	res, err := s.Clean(ctx, CleanOptions{Policy: retention.Policy{KeepCount: &one}})
	s.Close()
	if err != nil || len(res.Removed) != 1 || res.Removed[0].Path != old.Path {
		t.Fatalf("clean removed %+v, %v; want only %s", res.Removed, err, old.Path)
	}
	os.WriteFile(p, []byte(`{"broken": 2}`), 0o600)
	s = f.open()
	again, err := s.Restore(ctx, RestoreOptions{Host: "cursor"})
	s.Close()
	if err != nil || again.Restored.Path != good.Path {
		t.Errorf("restore after clean took %s, %v; want %s", again.Restored.Path, err, good.Path)
	}
}

// TestSafetyMarkSurvives: compact and reindex (with the index intact)
// keep the mark; only an index that is lost takes it (the files are the
// truth, and their names carry no mark).
func TestSafetyMarkSurvives(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"good": true}`))
	f.create("cursor", p)
	os.WriteFile(p, []byte(`{"broken": 1}`), 0o600)
	ctx := context.Background()
	s := f.open()
	res, err := s.Restore(ctx, RestoreOptions{Host: "cursor"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A newer backup, so that the safety one is not the newest (which
	// compact leaves plain).
	f.newer(p, *res.SafetyBackup)
	s = f.open()
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Reindex(ctx, f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	all := f.all()
	if len(all) != 3 || all[0].Safety || !all[1].Safety || all[1].Compression != "zstd" || all[2].Safety {
		t.Fatalf("after compact and reindex: %+v", all)
	}
	os.Remove(filepath.Join(f.root, IndexFile))
	if _, err := Reindex(ctx, f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, b := range f.all() {
		if b.Safety {
			t.Errorf("%s kept a mark its index no longer holds", b.Timestamp)
		}
	}
}
