package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
)

// lostIndexFiles writes n backup files of cursor (one a second from
// 2025-01-01 UTC) into a root without an index, and returns their paths
// in name order.
func (f *fixture) lostIndexFiles(n int) []string {
	f.t.Helper()
	dir := filepath.Join(f.root, "cursor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		f.t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	paths := make([]string, n)
	for i := range paths {
		name := blob.NewName("cursor", blob.FormatTimestamp(t0.Add(time.Duration(i)*time.Second).Local()), false)
		paths[i] = filepath.Join(dir, name.String())
		if err := os.WriteFile(paths[i], fmt.Appendf(nil, `{"n": %d}`, i), 0o600); err != nil {
			f.t.Fatal(err)
		}
	}
	return paths
}

// cancelOnOpen is the real file system, except that opening path cancels.
type cancelOnOpen struct {
	hatomic.FS
	path   string
	cancel context.CancelFunc
}

func (c cancelOnOpen) OpenFile(name string, flag int, perm fs.FileMode) (hatomic.File, error) {
	if name == c.path {
		c.cancel()
	}
	return c.FS.OpenFile(name, flag, perm)
}

// TestReindexStopsMidway: a failure or a cancel while a batch after the
// first is read stops reindex with that error; no backup file changes,
// and a second reindex adopts everything.
func TestReindexStopsMidway(t *testing.T) {
	smallBatches(t)
	n := 2*adoptBatch + 10
	for _, c := range []struct {
		name string
		seam func(o *Options, stop string) (context.Context, error)
	}{
		{"read fails", func(o *Options, stop string) (context.Context, error) {
			r := hatomic.NewRecorder(hatomic.OS())
			r.Fail("open", func(p string) bool { return p == stop }, syscall.EIO)
			o.FS = r
			return context.Background(), syscall.EIO
		}},
		{"cancelled", func(o *Options, stop string) (context.Context, error) {
			ctx, cancel := context.WithCancel(context.Background())
			o.FS = cancelOnOpen{FS: hatomic.OS(), path: stop, cancel: cancel}
			return ctx, context.Canceled
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			paths := f.lostIndexFiles(n)
			o := f.opts
			ctx, want := c.seam(&o, paths[adoptBatch+5])
			res, err := Reindex(ctx, o, ReindexOptions{})
			if !errors.Is(err, want) {
				t.Fatalf("reindex: %d adopted, %v; want %v", len(res.Adopted), err, want)
			}
			for i, p := range paths {
				if data, err := os.ReadFile(p); err != nil || string(data) != fmt.Sprintf(`{"n": %d}`, i) {
					t.Fatalf("%s changed: %q, %v", p, data, err)
				}
			}
			res, err = Reindex(context.Background(), f.opts, ReindexOptions{})
			if err != nil || len(res.Problems) > 0 {
				t.Fatalf("second reindex: %d adopted, %v, %v", len(res.Adopted), res.Problems, err)
			}
			if got := len(f.all()); got != n {
				t.Errorf("%d indexed, want %d", got, n)
			}
		})
	}
}

// TestAdoptDamagedInLaterBatch: a damaged file in any batch is reported
// and not adopted; the files around it are, in name order.
func TestAdoptDamagedInLaterBatch(t *testing.T) {
	smallBatches(t)
	n := adoptBatch + 10
	f := newFixture(t)
	paths := f.lostIndexFiles(n)
	bad := paths[adoptBatch+3] + blob.ZstdSuffix
	if err := os.Rename(paths[adoptBatch+3], bad); err != nil { // not a zstd frame
		t.Fatal(err)
	}
	res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Adopted) != n-1 || len(res.Problems) != 1 || res.Problems[0].Path != bad || res.Problems[0].Kind != ProblemUndecodable {
		t.Fatalf("%d adopted, problems %v", len(res.Adopted), res.Problems)
	}
	for i := 1; i < len(res.Adopted); i++ {
		if res.Adopted[i].Timestamp <= res.Adopted[i-1].Timestamp {
			t.Fatalf("adopted out of name order: %s after %s", res.Adopted[i].Timestamp, res.Adopted[i-1].Timestamp)
		}
	}
	os.Remove(bad) // the fixture's invariants want every backup file indexed
}

// TestScanFolders: one read of the host folders finds the backups of
// every name pattern (timestamp and compression as their names say,
// oldest first, by path within a timestamp) and the temp files, and
// nothing else.
func TestScanFolders(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "claude-desktop")
	os.MkdirAll(dir, 0o700)
	type named struct {
		ts         string // "" when not a backup
		compressed bool
	}
	files := map[string]named{
		"mcp.json.claude-desktop.20250921_100000_123456":                       {"20250921_100000_123456", false},
		"mcp.json.claude-desktop.20250921_100000_123457.zst":                   {"20250921_100000_123457", true},
		"claude_desktop_config.json.claude-desktop.20250920_090000_000001":     {"20250920_090000_000001", false},
		"b.json.claude-desktop.20250920_090000_000001":                         {"20250920_090000_000001", false},
		"mcp.json.MCPHostType.CLAUDE_DESKTOP.20250919_080000_000000.zst":       {"20250919_080000_000000", true},
		"mcp.json.cursor.20250921_100000_000000":                               {}, // another host's name
		"notes.txt":                                                            {},
		".mcp.json.claude-desktop.20250921_100000_123456.0123456789abcdef.tmp": {},
	}
	for name := range files {
		os.WriteFile(filepath.Join(dir, name), nil, 0o600)
	}
	for i := range 30 { // more that share a timestamp, listed in the folder's own order
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("x%02d.json.claude-desktop.20250922_000000_000000", 29-i)), nil, 0o600)
	}
	os.Mkdir(filepath.Join(dir, "mcp.json.claude-desktop.20250101_000000_000000"), 0o700) // not a file
	s := newStore(f.opts)
	sc, err := s.scanFolders()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ // oldest first; a shared timestamp by path
		"mcp.json.MCPHostType.CLAUDE_DESKTOP.20250919_080000_000000.zst",
		"b.json.claude-desktop.20250920_090000_000001",
		"claude_desktop_config.json.claude-desktop.20250920_090000_000001",
		"mcp.json.claude-desktop.20250921_100000_123456",
		"mcp.json.claude-desktop.20250921_100000_123457.zst",
	}
	for i := range 30 {
		want = append(want, fmt.Sprintf("x%02d.json.claude-desktop.20250922_000000_000000", i))
		files[want[len(want)-1]] = named{"20250922_000000_000000", false}
	}
	if len(sc.backups) != len(want) {
		t.Fatalf("found %d backups, want %d: %+v", len(sc.backups), len(want), sc.backups)
	}
	for i, b := range sc.backups {
		w := files[want[i]]
		if b.path != filepath.Join(dir, want[i]) || b.host != "claude-desktop" || b.timestamp != w.ts || b.compressed != w.compressed {
			t.Errorf("backup %d: %+v, want %s at %s (compressed %v)", i, b, want[i], w.ts, w.compressed)
		}
	}
	if len(sc.temps) != 1 || filepath.Base(sc.temps[0]) != ".mcp.json.claude-desktop.20250921_100000_123456.0123456789abcdef.tmp" {
		t.Errorf("temps %v", sc.temps)
	}
	if len(sc.dirs) != 1 || sc.dirs[0] != dir {
		t.Errorf("folders %v, want [%s]", sc.dirs, dir)
	}
	os.RemoveAll(dir) // the fixture's invariants want every backup file indexed
}

// smallBatches makes adoption work in batches of 64 files for the rest of
// the test, so that crossing batches takes a few hundred files, not
// thousands (file creation is slow on Windows).
func smallBatches(t *testing.T) {
	old := adoptBatch
	adoptBatch = 64
	t.Cleanup(func() { adoptBatch = old })
}

// TestReindexStreamsAdoptedAndDropped: with ReindexOptions.Adopted and
// Dropped set, every backup adopted (across batches, with the index lost
// and with a sound one) and every entry dropped goes to them, in name
// order, once each, and the result holds none of them, only their counts.
func TestReindexStreamsAdoptedAndDropped(t *testing.T) {
	smallBatches(t)
	n := 2*adoptBatch + 7
	f := newFixture(t)
	paths := f.lostIndexFiles(n)
	var adopted, dropped []string
	o := ReindexOptions{
		Adopted: func(b Backup) error { adopted = append(adopted, b.Path); return nil },
		Dropped: func(b Backup) error { dropped = append(dropped, b.Path); return nil },
	}
	res, err := Reindex(context.Background(), f.opts, o)
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("reindex: %v, %v", err, res.Problems)
	}
	if res.AdoptedCount != n || len(adopted) != n || len(res.Adopted) != 0 {
		t.Fatalf("counted %d, passed on %d, held %d; want %d, %d, 0", res.AdoptedCount, len(adopted), len(res.Adopted), n, n)
	}
	for i, p := range paths {
		if adopted[i] != p {
			t.Fatalf("adopted %d: %s, want %s", i, adopted[i], p)
		}
	}
	// A sound index: two files gone, three new ones.
	gone := []string{paths[3], paths[adoptBatch+1]}
	for _, p := range gone {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	var more []string
	for i := range 3 {
		name := blob.NewName("cursor", blob.FormatTimestamp(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC).Local()), false)
		more = append(more, filepath.Join(f.root, "cursor", name.String()))
		if err := os.WriteFile(more[i], fmt.Appendf(nil, `{"more": %d}`, i), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	adopted, dropped = nil, nil
	res, err = Reindex(context.Background(), f.opts, o)
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("second reindex: %v, %v", err, res.Problems)
	}
	if res.DroppedCount != 2 || len(res.Dropped) != 0 || !slices.Equal(sorted(dropped), sorted(gone)) {
		t.Errorf("dropped %v (counted %d, held %d), want %v", dropped, res.DroppedCount, len(res.Dropped), gone)
	}
	if res.AdoptedCount != 3 || !slices.Equal(adopted, more) {
		t.Errorf("adopted %v (counted %d), want %v", adopted, res.AdoptedCount, more)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
