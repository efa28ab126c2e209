package index

import (
	"bytes"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// pathIDOf is the id key of an interned path.
func pathIDOf(tx *bolt.Tx, p string) []byte {
	return tx.Bucket([]byte(BucketPaths)).Get([]byte(p))
}

func TestCheckFindsDamage(t *testing.T) {
	vscodePath := rec("vscode", t0).OriginalPath
	cases := map[string]func(tx *bolt.Tx) error{
		"undecodable record": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketHosts)).Bucket([]byte("vscode")).Put(recordKey(t0), []byte{9})
		},
		"hosts holds a value": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketHosts)).Put([]byte("kiro"), []byte("x"))
		},
		"bad schema value": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketMeta)).Put([]byte(KeySchema), []byte{1})
		},
		"dangling path id": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Delete(pathIDOf(tx, vscodePath))
		},
		"record with a path id never interned": func(tx *bolt.Tx) error {
			hb := tx.Bucket([]byte(BucketHosts)).Bucket([]byte("vscode"))
			v := bytes.Clone(hb.Get(recordKey(t0)))
			v[len(v)-35] = 50 // the path id, just before the sha256
			return hb.Put(recordKey(t0), v)
		},
		"path whose id is gone": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Put([]byte("/nowhere"), idKey(77))
		},
		"path with a short id": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Put([]byte("/nowhere"), []byte{1})
		},
		"id of another path": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Put(pathIDOf(tx, vscodePath), []byte("/elsewhere"))
		},
		"id with an empty path": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Put(pathIDOf(tx, vscodePath), []byte{})
		},
		"id beyond the sequence": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).SetSequence(1)
		},
		"id key of 9 bytes": func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketPaths)).Put(append(idKey(1), 0), []byte("/x"))
		},
		"time bucket at schema 3": func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte(BucketTime))
			return err
		},
		"no paths bucket at schema 3": func(tx *bolt.Tx) error {
			return tx.DeleteBucket([]byte(BucketPaths))
		},
		"paths without hosts": func(tx *bolt.Tx) error {
			return tx.DeleteBucket([]byte(BucketHosts))
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			path, _ := writeIndex(t, 3)
			db, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Check(); err != nil {
				t.Fatalf("Check before the damage: %v", err)
			}
			if err := db.bolt.Update(damage); err != nil {
				t.Fatal(err)
			}
			err = db.Check()
			wantErr(t, err, ErrCorrupt)
			t.Log(err)
		})
	}
}

// schema2Index writes an index as schema 2 left it, byte for byte: a time
// bucket and records of version 2 (golden values) for vscode and cursor,
// then lets damage change it.
func schema2Index(t *testing.T, damage func(tx *bolt.Tx) error) *DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for v, fn := range []func(*bolt.Tx) error{CreateLayout, func(*bolt.Tx) error { return nil }} {
		if err := db.Upgrade(uint32(v+1), fn); err != nil {
			t.Fatal(err)
		}
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		for i, host := range []string{"vscode", "cursor"} {
			hb, err := tx.Bucket([]byte(BucketHosts)).CreateBucket([]byte(host))
			if err == nil {
				err = hb.Put(recordKey(t0.Add(time.Duration(i)*time.Hour)), golden(t, goldenV2))
			}
			if err == nil {
				err = tx.Bucket([]byte(BucketTime)).Put(append(recordKey(t0.Add(time.Duration(i)*time.Hour)), host...), nil)
			}
			if err != nil {
				return err
			}
		}
		return damage(tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSchema2Index: an index that migration 3 has not run on yet reads
// (verify inspects without migrating), Check still compares its time
// bucket with its hosts, and writers refuse it with ErrNoLayout.
func TestSchema2Index(t *testing.T) {
	cases := []struct {
		name   string
		damage func(tx *bolt.Tx) error
		want   error
	}{
		{"sound", func(*bolt.Tx) error { return nil }, nil},
		{"record missing from the time bucket", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketTime)).Delete(append(recordKey(t0), "vscode"...))
		}, ErrCorrupt},
		{"time entry without host", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketTime)).Put([]byte("12345678kiro"), nil)
		}, ErrCorrupt},
		{"time key without host", func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketTime)).Put([]byte("1234"), nil)
		}, ErrCorrupt},
		{"no time bucket", func(tx *bolt.Tx) error {
			return tx.DeleteBucket([]byte(BucketTime))
		}, ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := schema2Index(t, c.damage)
			err := db.Check()
			wantErr(t, err, c.want)
			if got := collect(t, db, Query{}); len(got) != 2 || got[0] != "cursor@3600000000" {
				t.Errorf("List = %v", got)
			}
			if r, err := db.Get("vscode", rec("vscode", t0).Timestamp, t0); err != nil || r.Parse != Unparsable {
				t.Errorf("Get = %+v, %v", r, err)
			}
			wantErr(t, db.Put(rec("codex", t0)), ErrNoLayout)
		})
	}
}

// TestPathsInterned: records of one path share one id, a new path takes
// the next, and a record without a path takes none.
func TestPathsInterned(t *testing.T) {
	db := newIndex(t)
	a, b, c := rec("vscode", t0), rec("vscode", t0.Add(time.Hour)), rec("cursor", t0)
	none := rec("codex", t0)
	none.OriginalPath = ""
	mustPut(t, db, a, b)
	mustPut(t, db, c, none)
	other := rec("vscode", t0.Add(2*time.Hour))
	other.OriginalPath = a.OriginalPath // interned by an earlier transaction
	mustPut(t, db, other)
	db.bolt.View(func(tx *bolt.Tx) error {
		paths := tx.Bucket([]byte(BucketPaths))
		if n := paths.Stats().KeyN; n != 4 || paths.Sequence() != 2 {
			t.Errorf("paths bucket: %d keys, sequence %d; want 4 (2 paths both ways), 2", n, paths.Sequence())
		}
		for p, id := range map[string]uint64{a.OriginalPath: 1, c.OriginalPath: 2} {
			if got := paths.Get([]byte(p)); !bytes.Equal(got, idKey(id)) {
				t.Errorf("%s: id %x, want %d", p, got, id)
			}
		}
		return nil
	})
	for _, r := range []Record{a, b, c, none, other} {
		got, err := db.Get(r.Host, r.Timestamp, r.Created)
		if err != nil || !equalRecords(got, r) {
			t.Errorf("Get %s: %+v, %v", label(r), got, err)
		}
	}
}

// TestListManyPaths: a listing through more distinct paths than the
// reader caches still resolves each record's own.
func TestListManyPaths(t *testing.T) {
	db := newIndex(t)
	n := maxCachedPaths + 100
	rs := make([]Record, n)
	for i := range rs {
		rs[i] = rec("vscode", t0.Add(time.Duration(i)*time.Second))
		rs[i].OriginalPath = "/p/" + strconv.Itoa(i%(maxCachedPaths+50))
	}
	mustPut(t, db, rs...)
	i := n
	err := db.List(Query{}, func(r Record) error {
		i--
		if !equalRecords(r, rs[i]) {
			t.Fatalf("record %d: %+v, want %+v", i, r, rs[i])
		}
		return nil
	})
	if err != nil || i != 0 {
		t.Fatalf("List: %v, %d left", err, i)
	}
}
