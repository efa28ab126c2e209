package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// t0 is a fixed instant the tests build records around.
var t0 = time.Date(2025, 9, 21, 14, 30, 0, 123456000, time.UTC)

// newIndex opens a new index with the current layout under t.TempDir().
func newIndex(t testing.TB) *DB {
	t.Helper()
	db := openIndex(t, filepath.Join(t.TempDir(), "index.db"), Options{})
	mustLayout(t, db)
	return db
}

// makeLayout runs what migrations 1 to 3 run (the index package cannot
// import migrations).
func makeLayout(db *DB) error {
	for v, fn := range []func(*bolt.Tx) error{CreateLayout, func(*bolt.Tx) error { return nil }, DropTimeAddPaths} {
		if err := db.Upgrade(uint32(v+1), fn); err != nil {
			return err
		}
	}
	return nil
}

func mustLayout(t testing.TB, db *DB) {
	t.Helper()
	if err := makeLayout(db); err != nil {
		t.Fatal(err)
	}
}

// memPaths is an in-memory path table (id i+1 is p[i]) for the encoding
// tests: encodeRecord's pathInterner and decodeRecord's pathResolver.
type memPaths []string

func (m *memPaths) idOf(p string) (uint64, error) {
	if p == "" {
		return 0, nil
	}
	if i := slices.Index(*m, p); i >= 0 {
		return uint64(i + 1), nil
	}
	*m = append(*m, p)
	return uint64(len(*m)), nil
}

func (m *memPaths) pathOf(id uint64) (string, error) {
	if id == 0 || id > uint64(len(*m)) {
		return "", fmt.Errorf("path id %d is not in the table", id)
	}
	return (*m)[id-1], nil
}

// openIndex opens path; on cleanup it runs Check and the layout invariants
// and fails the test if they report anything, then closes the index.
func openIndex(t testing.TB, path string, opts Options) *DB {
	t.Helper()
	db, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s, %+v): %v", path, opts, err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
		assertConsistent(t, db)
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// assertConsistent checks, independently of Check, bbolt's own check, the
// layout of schema 3 (no time bucket), that no host bucket is empty, and
// that every record decodes with its path id resolved both by a plain walk
// of the paths bucket and by the index's reader.
func assertConsistent(t testing.TB, db *DB) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("tx.Check: %v", err)
		}
		hosts, paths := tx.Bucket([]byte(BucketHosts)), tx.Bucket([]byte(BucketPaths))
		if tx.Bucket([]byte(BucketTime)) != nil && paths != nil {
			t.Errorf("both the time and the paths bucket exist")
		}
		if hosts == nil || paths == nil {
			return nil
		}
		table := memPaths{}
		paths.ForEach(func(k, v []byte) error {
			if len(k) == 8 && k[0] == 0 {
				id := binary.BigEndian.Uint64(k)
				for uint64(len(table)) < id {
					table = append(table, "")
				}
				table[id-1] = string(v)
				if got := paths.Get(v); !bytes.Equal(got, k) {
					t.Errorf("path %q: id %x maps back to %x", v, k, got)
				}
			}
			return nil
		})
		hosts.ForEachBucket(func(name []byte) error {
			hb := hosts.Bucket(name)
			if k, _ := hb.Cursor().First(); k == nil {
				t.Errorf("host bucket %q is empty", name)
			}
			return hb.ForEach(func(k, v []byte) error {
				plain, err := decodeRecord(string(name), k, v, &table)
				if err != nil {
					t.Errorf("host %q: %v", name, err)
				}
				viaReader, err := decodeRecord(string(name), k, v, newPathReader(paths, false))
				if err != nil || !equalRecords(plain, viaReader) {
					t.Errorf("host %q: record %x: %v\n%+v\n%+v", name, k, err, plain, viaReader)
				}
				return nil
			})
		})
		return nil
	})
	if err != nil {
		t.Errorf("consistency: %v", err)
	}
}

// rec builds the record hatch-backup would write for host at created, in
// a time zone 2 hours east of UTC.
func rec(host string, created time.Time) Record {
	created = created.UTC().Truncate(time.Microsecond)
	ts, _ := formatStamp(created.UnixMicro() + 2*3600e6)
	return Record{
		Host: host, Timestamp: ts, Created: created,
		File:       host + "/" + canonicalName(host, ts, None),
		StoredSize: 1234, OriginalSize: 1234,
		OriginalPath: "/home/user/.config/" + host + "/config.json",
		SHA256:       sha256.Sum256([]byte(host + ts)),
	}
}

func mustPut(t testing.TB, db *DB, rs ...Record) {
	t.Helper()
	if err := db.PutMany(rs); err != nil {
		t.Fatal(err)
	}
}

// collect lists q and returns "host@offset-from-t0-in-µs" for each record.
func collect(t testing.TB, db *DB, q Query) []string {
	t.Helper()
	var got []string
	err := db.List(q, func(r Record) error {
		got = append(got, label(r))
		return nil
	})
	if err != nil {
		t.Fatalf("List(%+v): %v", q, err)
	}
	return got
}

func label(r Record) string {
	return fmt.Sprintf("%s@%d", r.Host, r.Created.Sub(t0).Microseconds())
}

func equalRecords(a, b Record) bool {
	return a.Host == b.Host && a.Timestamp == b.Timestamp && a.Created.Equal(b.Created) &&
		a.Created.Location() == time.UTC && b.Created.Location() == time.UTC &&
		a.File == b.File && a.StoredSize == b.StoredSize && a.OriginalSize == b.OriginalSize &&
		a.OriginalPath == b.OriginalPath && a.SHA256 == b.SHA256 && a.Compression == b.Compression && a.Parse == b.Parse &&
		a.Safety == b.Safety
}

func wantErr(t testing.TB, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func fileBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertUnchanged(t testing.TB, path string, before []byte) {
	t.Helper()
	if after := fileBytes(t, path); !bytes.Equal(before, after) {
		t.Errorf("%s changed: %d bytes before, %d after", path, len(before), len(after))
	}
}
