package migrations_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hatch-backup/store"
)

// The fixtures under testdata/ are stores written by older code, checked
// in so that every later schema must still open them:
//
//   - schema0: an index file as a program without layout left it (bbolt,
//     no buckets, no schema version), beside no backups.
//   - schema1: an index at schema 1 with a plain backup of cursor and a
//     zstd backup of vscode, and their files.
//
// go test ./migrations -run TestFixtures -update rewrites them (only ever
// do that when adding a fixture, never to make a test pass).
var update = flag.Bool("update", false, "rewrite the old-schema fixtures under testdata/")

// fixtureConfig is the config every fixture backup holds.
var fixtureConfig = []byte(`{"mcpServers": {"fixture": {"command": "npx", "args": ["-y", "fixture-server"]}}}` + "\n")

// copyFixture copies testdata/<name> to a new root with the modes the
// store gives its files (git keeps neither 0700 nor 0600).
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", name)
	root := filepath.Join(t.TempDir(), "backups")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, store.DirMode)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, store.FileMode)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func openStore(t *testing.T, root string, readOnly bool) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{Root: root, ReadOnly: readOnly, LockTimeout: 5 * time.Second, Location: time.UTC})
	if err != nil {
		t.Fatalf("open %s: %v", root, err)
	}
	return s
}

func listAll(t *testing.T, s *store.Store) []store.Backup {
	t.Helper()
	var out []store.Backup
	for b, err := range s.List(context.Background(), store.Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestFixtures opens each old-schema store with the current code: it is
// migrated, lists, restores byte-exactly, takes new backups and verifies
// clean.
func TestFixtures(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	for _, c := range []struct {
		name    string
		backups []string // timestamps, newest first
	}{
		{"schema0", nil},
		{"schema1", []string{"20250102_030405_000002", "20250102_030405_000001"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := copyFixture(t, c.name)
			s := openStore(t, root, false) // a writer migrates
			defer s.Close()
			got := listAll(t, s)
			if len(got) != len(c.backups) {
				t.Fatalf("%d backups, want %d", len(got), len(c.backups))
			}
			for i, b := range got {
				if b.Timestamp != c.backups[i] {
					t.Errorf("backup %d: %s, want %s", i, b.Timestamp, c.backups[i])
				}
				if hex.EncodeToString(b.SHA256[:]) != sha(fixtureConfig) {
					t.Errorf("%s: sha256 changed", b.Path)
				}
				to := filepath.Join(t.TempDir(), "restored.json")
				if _, err := s.Restore(context.Background(), store.RestoreOptions{Host: b.Host, Timestamp: b.Timestamp, To: to}); err != nil {
					t.Fatalf("restore %s: %v", b.Timestamp, err)
				}
				if data, _ := os.ReadFile(to); !bytes.Equal(data, fixtureConfig) {
					t.Errorf("%s restored other bytes", b.Timestamp)
				}
			}
			cfg := filepath.Join(t.TempDir(), "mcp.json")
			os.WriteFile(cfg, fixtureConfig, 0o600)
			if _, err := s.Create(context.Background(), store.CreateOptions{Host: "cursor", ConfigPath: cfg}); err != nil {
				t.Fatalf("create after migration: %v", err)
			}
			s.Close()
			checkSchema(t, root)
			r := openStore(t, root, true)
			defer r.Close()
			v, err := r.Verify(context.Background(), store.VerifyOptions{})
			if err != nil || len(v.Problems) > 0 {
				t.Errorf("verify after migration: %v %v", err, v.Problems)
			}
		})
	}
}

// checkSchema: the index is at the latest schema after a writer opened it.
func checkSchema(t *testing.T, root string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(root, store.IndexFile), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			t.Fatal("no meta bucket after migration")
		}
		if v := meta.Get([]byte("schema")); len(v) != 4 || v[3] != byte(store.SchemaVersion()) {
			t.Errorf("schema %x after migration, want %d", v, store.SchemaVersion())
		}
		return nil
	})
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// writeFixtures rebuilds testdata/ with the current code (schema 1).
func writeFixtures(t *testing.T) {
	t.Helper()
	for _, name := range []string{"schema0", "schema1"} {
		if err := os.RemoveAll(filepath.Join("testdata", name)); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join("testdata", name), 0o755)
	}
	db, err := bolt.Open(filepath.Join("testdata", "schema0", store.IndexFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	root := filepath.Join("testdata", "schema1")
	cfg := filepath.Join(t.TempDir(), "mcp.json")
	os.WriteFile(cfg, fixtureConfig, 0o600)
	now := time.Date(2025, 1, 2, 3, 4, 5, 1000, time.UTC)
	for _, c := range []struct {
		host     string
		compress bool
	}{{"cursor", false}, {"vscode", true}} {
		s, err := store.Open(context.Background(), store.Options{Root: root, Location: time.UTC, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(context.Background(), store.CreateOptions{Host: c.host, ConfigPath: cfg, Compress: c.compress}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		now = now.Add(time.Microsecond)
	}
	os.Remove(filepath.Join(root, store.LockFile))
}
