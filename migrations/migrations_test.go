package migrations

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hatch-backup/hatch-backup/index"
)

// openIndex opens a new index under t.TempDir(); on cleanup it runs Check
// and fails the test if it reports anything.
func openIndex(t *testing.T, path string) *index.DB {
	t.Helper()
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		db.Close()
	})
	return db
}

func newPath(t *testing.T) string { return filepath.Join(t.TempDir(), "index.db") }

// withRegistry swaps the registry for the test.
func withRegistry(t *testing.T, ms []Migration) {
	old := registry
	registry = ms
	t.Cleanup(func() { registry = old })
}

// inspect closes db and reads its file with bbolt directly.
func inspect(t *testing.T, db *index.DB, fn func(tx *bolt.Tx)) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	db.Close()
	b, err := bolt.Open(db.Path(), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error { fn(tx); return nil })
}

func schema(t *testing.T, db *index.DB) uint32 {
	t.Helper()
	v, err := db.Schema()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRegistryIsOrdered(t *testing.T) {
	for i, m := range All() {
		if m.To != uint32(i+1) || m.Name == "" || m.Apply == nil {
			t.Errorf("migration %d: To %d, Name %q, Apply set %v", i, m.To, m.Name, m.Apply != nil)
		}
	}
	if Latest() != uint32(len(All())) {
		t.Errorf("Latest() = %d with %d migrations", Latest(), len(All()))
	}
}

func TestUpFresh(t *testing.T) {
	db, err := index.Open(newPath(t), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := Pending(db); err != nil || !pending {
		t.Errorf("Pending on a new index = %v, %v; want true", pending, err)
	}
	n, err := Up(db)
	if err != nil || n != int(Latest()) {
		t.Fatalf("Up = %d, %v; want %d", n, err, Latest())
	}
	if v := schema(t, db); v != Latest() {
		t.Errorf("schema %d, want %d", v, Latest())
	}
	if pending, err := Pending(db); err != nil || pending {
		t.Errorf("Pending after Up = %v, %v; want false", pending, err)
	}
	inspect(t, db, func(tx *bolt.Tx) {
		for _, name := range []string{index.BucketMeta, index.BucketHosts, index.BucketPaths} {
			if tx.Bucket([]byte(name)) == nil {
				t.Errorf("bucket %q missing", name)
			}
		}
		if tx.Bucket([]byte(index.BucketTime)) != nil {
			t.Errorf("bucket %q left", index.BucketTime)
		}
	})
}

func TestUpTwiceIsNoOp(t *testing.T) {
	path := newPath(t)
	db := openIndex(t, path)
	if _, err := Up(db); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	n, err := Up(db)
	if err != nil || n != 0 {
		t.Errorf("second Up = %d, %v; want 0, nil", n, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("second Up wrote to the file")
	}
}

func TestNewerSchema(t *testing.T) {
	path := newPath(t)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for v := uint32(1); v <= Latest()+1; v++ {
		if err := db.Upgrade(v, index.CreateLayout); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	before, _ := os.ReadFile(path)

	for _, ro := range []bool{false, true} {
		db, err := index.Open(path, index.Options{ReadOnly: ro})
		if err != nil {
			t.Fatal(err)
		}
		_, upErr := Up(db)
		_, pendErr := Pending(db)
		db.Close()
		for name, err := range map[string]error{"Up": upErr, "Pending": pendErr} {
			if !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("%s: %v, want ErrNewerSchema", name, err)
			}
			msg := err.Error()
			for _, want := range []string{strconv.Itoa(int(Latest())), strconv.Itoa(int(Latest() + 1)), "newer hatch-backup", path} {
				if !strings.Contains(msg, want) {
					t.Errorf("%s: message %q lacks %q", name, msg, want)
				}
			}
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the newer index was modified")
	}
}

func TestFailingMigrationRollsBack(t *testing.T) {
	boom := errors.New("boom")
	withRegistry(t, []Migration{
		{To: 1, Name: "layout", Apply: index.CreateLayout},
		{To: 2, Name: "half done", Apply: func(tx *bolt.Tx) error {
			if _, err := tx.CreateBucket([]byte("v2")); err != nil {
				return err
			}
			return boom
		}},
		{To: 3, Name: "never reached", Apply: func(*bolt.Tx) error {
			t.Error("migration 3 ran after 2 failed")
			return nil
		}},
	})
	db, err := index.Open(newPath(t), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := Up(db)
	if !errors.Is(err, boom) || n != 1 {
		t.Fatalf("Up = %d, %v; want 1, boom", n, err)
	}
	if !strings.Contains(err.Error(), "half done") {
		t.Errorf("message %q does not name the migration", err)
	}
	if v := schema(t, db); v != 1 {
		t.Errorf("schema %d after a failed migration 2, want 1", v)
	}
	// Fixed, Up resumes where it stopped.
	registry[1].Apply = func(*bolt.Tx) error { return nil }
	registry[2].Apply = index.DropTimeAddPaths // the layout Check expects at 3
	if n, err := Up(db); err != nil || n != 2 || schema(t, db) != 3 {
		t.Errorf("Up after the fix = %d, %v; schema %d", n, err, schema(t, db))
	}
	inspect(t, db, func(tx *bolt.Tx) {
		if tx.Bucket([]byte("v2")) != nil {
			t.Error("the failed migration's bucket was committed")
		}
	})
}

func TestUpReadOnly(t *testing.T) {
	path := newPath(t)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := index.Open(path, index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if pending, err := Pending(ro); err != nil || !pending {
		t.Errorf("Pending = %v, %v", pending, err)
	}
	if _, err := Up(ro); !errors.Is(err, index.ErrReadOnly) {
		t.Errorf("Up on a read-only index: %v, want ErrReadOnly", err)
	}
}

// TestUpKeepsVersion1Records takes a schema-1 index holding a record in the
// version 1 encoding (written byte for byte as the first release wrote it)
// to Latest: the record still lists, with an unknown parse status.
func TestUpKeepsVersion1Records(t *testing.T) {
	path := newPath(t)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Upgrade(1, index.CreateLayout); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// vscode, 2025-09-21T14:30:00.123456Z, zstd, from the index package's
	// version 1 golden value.
	created := time.Date(2025, 9, 21, 14, 30, 0, 123456000, time.UTC)
	key := binary.BigEndian.AppendUint64(nil, uint64(created.UnixMicro()))
	value, _ := hex.DecodeString("0100c070d209d209252f686f6d652f757365722f2e636f6e6669672f7673636f64652f636f6e6669672e6a736f6e" +
		"3ec3bd1933db9ecc859f27a867daef2fd6ac8bfe2bcc6bb0790423f125b45ae501")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		host, err := tx.Bucket([]byte(index.BucketHosts)).CreateBucket([]byte("vscode"))
		if err != nil {
			return err
		}
		if err := host.Put(key, value); err != nil {
			return err
		}
		return tx.Bucket([]byte(index.BucketTime)).Put(append(bytes.Clone(key), "vscode"...), nil)
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}

	db = openIndex(t, path)
	if n, err := Up(db); err != nil || n != int(Latest())-1 {
		t.Fatalf("Up = %d, %v", n, err)
	}
	var got []index.Record
	if err := db.List(index.Query{}, func(r index.Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Host != "vscode" || !got[0].Created.Equal(created) ||
		got[0].Compression != index.Zstd || got[0].Parse != index.ParseUnknown || got[0].OriginalPath != "/home/user/.config/vscode/config.json" {
		t.Errorf("after Up: %+v", got)
	}
}
