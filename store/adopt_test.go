package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	hatomic "hatch-backup/atomic"
	"hatch-backup/blob"
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
	const n = 2*adoptBatch + 10
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
	const n = adoptBatch + 10
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
