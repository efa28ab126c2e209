package index

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writeIndex writes an index of n records at a new path and returns it
// with the bytes its pages take (bbolt's high-water mark).
func writeIndex(t *testing.T, n int) (path string, used int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "index.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := makeLayout(db); err != nil {
		t.Fatal(err)
	}
	rs := make([]Record, n)
	for i := range rs {
		rs[i] = rec([]string{"vscode", "cursor", "codex"}[i%3], t0.Add(time.Duration(i)*time.Minute))
	}
	mustPut(t, db, rs...)
	db.bolt.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, used
}

func TestOpenDamaged(t *testing.T) {
	type damage func(t *testing.T, path string, used int64)
	truncate := func(size func(used int64) int64) damage {
		return func(t *testing.T, path string, used int64) {
			if err := os.Truncate(path, size(used)); err != nil {
				t.Fatal(err)
			}
		}
	}
	overwrite := func(b []byte, offsets ...int64) damage {
		return func(t *testing.T, path string, _ int64) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, off := range offsets {
				if _, err := f.WriteAt(b, off); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	garbage := func(n int) damage {
		return func(t *testing.T, path string, _ int64) {
			b := make([]byte, n)
			rand.Read(b)
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name   string
		damage damage
		detail string
	}{
		{"0 bytes", truncate(func(int64) int64 { return 0 }), "0 bytes"},
		{"100 bytes", truncate(func(int64) int64 { return 100 }), ""},
		{"one page", truncate(func(int64) int64 { return 4096 }), "truncated"},
		{"meta pages only", truncate(func(int64) int64 { return 8192 }), "truncated"},
		{"half its pages", truncate(func(u int64) int64 { return u / 2 }), "truncated"},
		{"all but the last page", truncate(func(u int64) int64 { return u - 4096 }), "truncated"},
		{"garbage 10 bytes", garbage(10), ""},
		{"garbage 64 KiB", garbage(64 << 10), "invalid"},
		{"both meta pages flipped", overwrite([]byte{0xff}, 40, 4096+40), "checksum"},
		{"a directory", func(t *testing.T, path string, _ int64) {
			os.Remove(path)
			os.Mkdir(path, 0o700)
		}, "not a regular file"},
	}
	for _, c := range cases {
		for _, ro := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/readonly=%v", c.name, ro), func(t *testing.T) {
				path, used := writeIndex(t, 2000)
				c.damage(t, path, used)
				before, _ := os.ReadFile(path)
				db, err := Open(path, Options{ReadOnly: ro})
				if err == nil {
					db.Close()
				}
				wantErr(t, err, ErrCorrupt)
				if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.detail) {
					t.Errorf("message %q does not name the path and %q", err, c.detail)
				}
				if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
					assertUnchanged(t, path, before)
				}
			})
		}
	}
}

func TestOpenDamagedPage(t *testing.T) {
	path, used := writeIndex(t, 2000)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte{0xa5}, 4096)
	for off := int64(4 * 4096); off < used; off += 4096 {
		f.WriteAt(junk, off)
	}
	f.Close()
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		wantErr(t, err, ErrCorrupt)
		return
	}
	defer db.Close()
	wantErr(t, db.Check(), ErrCorrupt)
	err = db.List(Query{}, func(Record) error { return nil })
	wantErr(t, err, ErrCorrupt)
	_, err = db.Latest("vscode")
	wantErr(t, err, ErrCorrupt)
}

func TestOpenCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	db := openIndex(t, path, Options{})
	if v, err := db.Schema(); err != nil || v != 0 {
		t.Errorf("Schema of a new index = %d, %v; want 0", v, err)
	}
	if db.Path() != path {
		t.Errorf("Path() = %q", db.Path())
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	_, err := Open(path, Options{ReadOnly: true})
	wantErr(t, err, ErrNoIndex)
	if !strings.Contains(err.Error(), path) {
		t.Errorf("message %q does not name %s", err, path)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only open created %s", path)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	path, _ := writeIndex(t, 3)
	before := fileBytes(t, path)
	db := openIndex(t, path, Options{ReadOnly: true})
	writes := map[string]func() error{
		"Put":     func() error { return db.Put(rec("vscode", t0.Add(-time.Hour))) },
		"PutMany": func() error { return db.PutMany([]Record{rec("kiro", t0)}) },
		"Delete":  func() error { return db.Delete("vscode", t0) },
		"Upgrade": func() error { return db.Upgrade(2, func(*bolt.Tx) error { return nil }) },
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			err := write()
			wantErr(t, err, ErrReadOnly)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name %s", err, path)
			}
		})
	}
	if n, err := db.Count(); err != nil || n != 3 {
		t.Errorf("Count = %d, %v; want 3", n, err)
	}
	assertUnchanged(t, path, before)
}

func TestOpenLocked(t *testing.T) {
	path, _ := writeIndex(t, 3)
	openIndex(t, path, Options{}) // holds bbolt's lock for the whole test
	for _, c := range []struct {
		name    string
		opts    Options
		atLeast time.Duration
	}{
		{"read-write, try once", Options{}, 0},
		{"read-only, try once", Options{ReadOnly: true}, 0},
		{"read-write, 300ms", Options{Timeout: 300 * time.Millisecond}, 250 * time.Millisecond},
		{"negative timeout", Options{Timeout: -time.Second}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			db, err := Open(path, c.opts)
			if err == nil {
				db.Close()
			}
			wantErr(t, err, ErrLocked)
			if took := time.Since(start); took < c.atLeast || took > c.atLeast+2*time.Second {
				t.Errorf("gave up after %s, want about %s", took, c.atLeast)
			}
		})
	}
}

func TestNoLayout(t *testing.T) {
	db := openIndex(t, filepath.Join(t.TempDir(), "index.db"), Options{})
	wantErr(t, db.Put(rec("vscode", t0)), ErrNoLayout)
	wantErr(t, db.Delete("vscode", t0), ErrNoLayout)
	_, err := db.Latest("vscode")
	wantErr(t, err, ErrNotFound)
	_, err = db.Get("vscode", "20250921_163000_123456", t0)
	wantErr(t, err, ErrNotFound)
	if got := collect(t, db, Query{}); len(got) != 0 {
		t.Errorf("List = %v", got)
	}
	if got := collect(t, db, Query{Hosts: []string{"vscode"}}); len(got) != 0 {
		t.Errorf("List = %v", got)
	}
	if n, err := db.Count(); n != 0 || err != nil {
		t.Errorf("Count = %d, %v", n, err)
	}
}

func TestUpgrade(t *testing.T) {
	noop := func(*bolt.Tx) error { return nil }
	boom := errors.New("boom")
	cases := []struct {
		name   string
		from   uint32 // schema reached before the step
		to     uint32
		fn     func(*bolt.Tx) error
		want   error
		schema uint32 // afterwards
	}{
		{"0 to 1", 0, 1, CreateLayout, nil, 1},
		{"1 to 2", 1, 2, noop, nil, 2},
		{"0 to 2 skips", 0, 2, noop, ErrSchemaConflict, 0},
		{"1 to 1 again", 1, 1, noop, ErrSchemaConflict, 1},
		{"to 0", 0, 0, noop, ErrSchemaConflict, 0},
		{"failing step rolls back", 1, 2, func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket([]byte("v2")); err != nil {
				return err
			}
			return boom
		}, boom, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openIndex(t, filepath.Join(t.TempDir(), "index.db"), Options{})
			for v := uint32(1); v <= c.from; v++ {
				if err := db.Upgrade(v, CreateLayout); err != nil {
					t.Fatal(err)
				}
			}
			err := db.Upgrade(c.to, c.fn)
			if c.want == nil && err != nil || !errors.Is(err, c.want) {
				t.Fatalf("Upgrade(%d): %v, want %v", c.to, err, c.want)
			}
			if v, err := db.Schema(); err != nil || v != c.schema {
				t.Errorf("Schema = %d, %v; want %d", v, err, c.schema)
			}
			db.bolt.View(func(tx *bolt.Tx) error {
				if tx.Bucket([]byte("v2")) != nil {
					t.Error("the failed step's bucket was committed")
				}
				return nil
			})
		})
	}
}

func TestErrorsNameThePath(t *testing.T) {
	db := newIndex(t)
	mustPut(t, db, rec("vscode", t0))
	errs := map[string]error{
		"exists":    db.Put(rec("vscode", t0)),
		"not found": db.Delete("vscode", t0.Add(time.Second)),
	}
	_, errs["latest"] = db.Latest("cursor")
	for name, err := range errs {
		if err == nil || !strings.Contains(err.Error(), db.Path()) {
			t.Errorf("%s: %v does not name %s", name, err, db.Path())
		}
	}
}
