package index

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// t0 is a fixed instant the tests build records around.
var t0 = time.Date(2025, 9, 21, 14, 30, 0, 123456000, time.UTC)

// newIndex opens a new index with the v1 layout under t.TempDir().
func newIndex(t testing.TB) *DB {
	t.Helper()
	db := openIndex(t, filepath.Join(t.TempDir(), "index.db"), Options{})
	if err := db.Upgrade(1, CreateLayout); err != nil {
		t.Fatal(err)
	}
	return db
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

// assertConsistent checks, independently of Check, that every host record
// has its time entry and every time entry its host record, and that bbolt's
// own check passes.
func assertConsistent(t testing.TB, db *DB) {
	t.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			t.Errorf("tx.Check: %v", err)
		}
		hosts, times := tx.Bucket([]byte(BucketHosts)), tx.Bucket([]byte(BucketTime))
		if hosts == nil || times == nil {
			if hosts != times {
				t.Errorf("only one of hosts (%v) and time (%v) exists", hosts != nil, times != nil)
			}
			return nil
		}
		fromHosts := map[string]bool{}
		hosts.ForEachBucket(func(name []byte) error {
			hb := hosts.Bucket(name)
			if k, _ := hb.Cursor().First(); k == nil {
				t.Errorf("host bucket %q is empty", name)
			}
			return hb.ForEach(func(k, v []byte) error {
				fromHosts[string(k)+string(name)] = true
				if _, err := decodeRecord(string(name), k, v); err != nil {
					t.Errorf("host %q: %v", name, err)
				}
				return nil
			})
		})
		fromTime := map[string]bool{}
		times.ForEach(func(k, v []byte) error {
			fromTime[string(k)] = true
			if len(v) != 0 {
				t.Errorf("time entry %x has a value", k)
			}
			return nil
		})
		for k := range fromHosts {
			if !fromTime[k] {
				t.Errorf("record %x is in its host bucket, not in the time bucket", k)
			}
		}
		for k := range fromTime {
			if !fromHosts[k] {
				t.Errorf("time entry %x has no record in its host bucket", k)
			}
		}
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
		a.OriginalPath == b.OriginalPath && a.SHA256 == b.SHA256 && a.Compression == b.Compression && a.Parse == b.Parse
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
