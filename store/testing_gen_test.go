package store

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
)

// TestGenerateIsSound: a generated store with files, and a populated one,
// pass verify and list every backup, in both cases under the names
// create would give them.
func TestGenerateIsSound(t *testing.T) {
	loc := time.FixedZone("test", 2*3600)
	gen := t.TempDir()
	if err := Generate(GenSpec{Root: gen, N: 23, Size: 300, Files: true, Location: loc}); err != nil {
		t.Fatal(err)
	}
	pop := t.TempDir()
	at := time.Date(2025, 3, 4, 5, 6, 7, 8_000, time.UTC)
	recs, err := Populate(pop, loc, []GenBackup{
		{Host: "cursor", Created: at, Data: []byte(`{"a": 1}`)},
		{Host: "cursor", Created: at.Add(time.Second), Data: []byte(`{"a": 2}`)},
		{Host: "kiro", Created: at, Data: []byte(`{}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "cursor/mcp.json.cursor.20250304_070607_000008"; recs[0].File != want {
		t.Errorf("first record's file %q, want %q", recs[0].File, want)
	}
	for root, n := range map[string]int{gen: 23, pop: 3} {
		s, err := Open(context.Background(), Options{Root: root, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Verify(context.Background(), VerifyOptions{})
		if err != nil || len(res.Problems) > 0 || res.Checked != n {
			t.Errorf("%s: verify checked %d of %d, problems %v, error %v", root, res.Checked, n, res.Problems, err)
		}
		listed := 0
		for _, err := range s.List(context.Background(), Query{}) {
			if err != nil {
				t.Fatal(err)
			}
			listed++
		}
		if listed != n {
			t.Errorf("%s: listed %d, want %d", root, listed, n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPopulateRefusesATakenInstant: two backups of a host at one instant
// are an error, as in the index.
func TestPopulateRefusesATakenInstant(t *testing.T) {
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	b := GenBackup{Host: "cursor", Created: at, Data: []byte("{}")}
	_, err := Populate(t.TempDir(), time.UTC, []GenBackup{b, b})
	if !errors.Is(err, index.ErrExists) {
		t.Fatalf("error %v, want index.ErrExists", err)
	}
}

// TestSnapshotSeesEveryChange: each kind of change to a tree gives another
// snapshot.
func TestSnapshotSeesEveryChange(t *testing.T) {
	changes := map[string]func(p string) error{
		"content": func(p string) error { return os.WriteFile(p, []byte("y"), 0o600) },
		"mode":    func(p string) error { return os.Chmod(p, 0o400) },
		"mtime":   func(p string) error { return os.Chtimes(p, time.Time{}, time.Unix(1, 0)) },
		"removed": os.Remove,
		"created": func(p string) error { return os.WriteFile(p+"2", nil, 0o600) },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f")
			if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			before, err := Snapshot(dir)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Snapshot(dir)
			if !maps.Equal(before, again) {
				t.Fatal("two snapshots of an unchanged tree differ")
			}
			if err := change(p); err != nil {
				t.Fatal(err)
			}
			if after, _ := Snapshot(dir); maps.Equal(before, after) {
				t.Errorf("a changed %s went unseen", name)
			}
		})
	}
}
