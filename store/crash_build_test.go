//go:build unix

package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
)

// buildCrashFiles is how many backup files the build crash tests adopt,
// in batches of buildCrashBatch: a kill lands between committed batches.
const (
	buildCrashFiles = 300
	buildCrashBatch = 64
)

// An index build (the first open of a store without index.db, or reindex
// of a damaged one) killed at any step leaves either no index.db, the
// damaged one untouched, or a complete one: never an empty or partial
// index that a later command would serve as the truth.
func TestCrashIndexBuild(t *testing.T) {
	if os.Getenv("HATCH_CRASH_CHILD") != "" {
		t.Skip("in the child")
	}
	kills := []string{
		"read-open:1:before", "read-open:70:after", "read-open:150:after", "read-open:299:after",
		"rename-noreplace:1:before", "rename-noreplace:1:after", "rename-noreplace:2:after",
		"syncdir:1:before", "syncdir:1:after", "syncdir:2:after",
	}
	for _, op := range []string{"first-build", "reindex-damaged"} {
		for _, spec := range kills {
			t.Run(op+"/"+spec, func(t *testing.T) {
				r := newCrashRoot(t)
				writeBuildFiles(t, r.root)
				garbage := bytes.Repeat([]byte("garbage!"), 1024)
				if op == "reindex-damaged" {
					// An index from an earlier life, then damaged: the
					// child's own damage step writes the same garbage.
					if err := os.WriteFile(filepath.Join(r.root, IndexFile), garbage, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				c := r.start(1, "HATCH_CRASH_SCRIPT="+op, "HATCH_CRASH_KILL="+spec,
					fmt.Sprintf("HATCH_CRASH_ADOPT_BATCH=%d", buildCrashBatch))
				killed := r.wait(c)
				// The first build publishes with one rename and one
				// folder sync; reindex moves the damaged index aside first.
				second := spec == "rename-noreplace:2:after" || spec == "syncdir:2:after"
				if !killed && !(second && op == "first-build") {
					t.Fatalf("kill point %s never reached", spec)
				}
				checkBuilt(t, r.root, garbage, killed)
				r.check(op+" "+spec, nil)
			})
		}
	}
}

// writeBuildFiles writes buildCrashFiles backups of cursor, dated as
// hatch-backup dates them, without an index.
func writeBuildFiles(t *testing.T, root string) {
	t.Helper()
	dir := filepath.Join(root, crashHost)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range buildCrashFiles {
		at := t0.Add(time.Duration(i) * time.Minute)
		name := blob.NewName(crashHost, blob.FormatTimestamp(at.Local()), false).String()
		writeAt(t, filepath.Join(dir, name), fmt.Appendf(nil, `{"n": %d}`, i), at)
	}
}

// checkBuilt: index.db is absent, the damaged one as it was, or complete;
// and the next reader sees every backup.
func checkBuilt(t *testing.T, root string, garbage []byte, killed bool) {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(filepath.Join(root, IndexFile))
	switch {
	case err == nil && bytes.Equal(data, garbage):
		return // the damage stays visible until a reindex completes
	case err == nil:
		s, err := Open(ctx, Options{Root: root, Inspect: true, LockTimeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("inspect: %v", err)
		}
		n, err := s.db.Count()
		s.Close()
		if err != nil || n != buildCrashFiles {
			t.Fatalf("killed=%v: a published index holds %d of %d backups (%v)", killed, n, buildCrashFiles, err)
		}
	case !os.IsNotExist(err):
		t.Fatal(err)
	}
	s, err := Open(ctx, Options{Root: root, UpgradingReader: true, LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer s.Close()
	n := 0
	for _, err := range s.List(ctx, Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != buildCrashFiles {
		t.Fatalf("killed=%v: %d of %d backups listed", killed, n, buildCrashFiles)
	}
}
