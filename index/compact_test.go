package index

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestReplace(t *testing.T) {
	db := newIndex(t)
	a := rec("vscode", t0)
	mustPut(t, db, a)
	z := a
	z.File, z.StoredSize, z.Compression = a.File+".zst", 99, Zstd
	cases := []struct {
		name string
		r    Record
		want error
	}{
		{"existing key", z, nil},
		{"absent key", rec("vscode", t0.Add(time.Second)), ErrNotFound},
		{"absent host", rec("cursor", t0), ErrNotFound},
		{"invalid record", Record{Host: "vscode", Created: t0}, ErrInvalidRecord},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, db.Replace(c.r), c.want)
		})
	}
	got, err := db.Get(a.Host, a.Timestamp, a.Created)
	if err != nil || !equalRecords(got, z) {
		t.Errorf("after Replace: %+v, %v; want %+v", got, err, z)
	}
	if n, _ := db.Count(); n != 1 {
		t.Errorf("Count = %d after Replace, want 1", n)
	}
}

func TestDeleteMany(t *testing.T) {
	db := newIndex(t)
	a1, a2, b1 := rec("vscode", t0), rec("vscode", t0.Add(time.Hour)), rec("cursor", t0)
	mustPut(t, db, a1, a2, b1)
	cases := []struct {
		name  string
		del   []Record
		want  error
		count int
	}{
		{"one absent: none removed", []Record{a1, rec("vscode", t0.Add(time.Minute))}, ErrNotFound, 3},
		{"twice: none removed", []Record{a1, a1}, ErrNotFound, 3},
		{"nothing", nil, nil, 3},
		{"a host's last and another's older", []Record{b1, a1}, nil, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, db.DeleteMany(c.del), c.want)
			if n, _ := db.Count(); n != c.count {
				t.Errorf("Count = %d, want %d", n, c.count)
			}
		})
	}
	if got := collect(t, db, Query{}); len(got) != 1 || got[0] != label(a2) {
		t.Errorf("left: %v, want %s", got, label(a2))
	}
}

func TestCompactTo(t *testing.T) {
	db := newIndex(t)
	var rs []Record
	for i := range 3000 {
		rs = append(rs, rec([]string{"vscode", "cursor", "codex"}[i%3], t0.Add(time.Duration(i)*time.Minute)))
	}
	mustPut(t, db, rs...)
	if err := db.DeleteMany(rs[:2500]); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(filepath.Dir(db.Path()), "copy.db")
	if err := db.CompactTo(dst); err != nil {
		t.Fatal(err)
	}
	before, after := fileSize(t, db.Path()), fileSize(t, dst)
	if after >= before {
		t.Errorf("copy is %d bytes, the original %d: not smaller", after, before)
	}
	if fi, _ := os.Lstat(dst); runtime.GOOS != "windows" && fi.Mode().Perm() != FileMode { // no mode bits there
		t.Errorf("copy mode %v, want %v", fi.Mode().Perm(), FileMode)
	}
	cp := openIndex(t, dst, Options{})
	if got, want := collect(t, cp, Query{}), collect(t, db, Query{}); len(got) != 500 || !slices.Equal(got, want) {
		t.Errorf("copy lists %d records, the original %d (or they differ)", len(got), len(want))
	}
	if v, err := cp.Schema(); err != nil || v != 3 {
		t.Errorf("copy schema %d, %v; want 3", v, err)
	}

	t.Run("existing destination is never replaced", func(t *testing.T) {
		planted := filepath.Join(t.TempDir(), "planted")
		os.WriteFile(planted, []byte("not ours"), 0o600)
		err := db.CompactTo(planted)
		if !errors.Is(err, ErrExists) || !errors.Is(err, fs.ErrExist) {
			t.Fatalf("CompactTo over a file: %v, want ErrExists", err)
		}
		assertUnchanged(t, planted, []byte("not ours"))
	})
	t.Run("missing folder leaves nothing", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "no", "copy.db")
		if err := db.CompactTo(missing); err == nil {
			t.Fatal("CompactTo into a missing folder succeeded")
		}
	})
}

// records lists every record of db, whole.
func records(t *testing.T, db *DB) (rs []Record) {
	t.Helper()
	if err := db.List(Query{}, func(r Record) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestCompactToRewrites: the copy holds every record in version 3, the
// same records, only the paths still in use, and takes new records; an
// index with an undecodable record or without the schema 3 layout is not
// copied, and leaves no copy behind.
func TestCompactToRewrites(t *testing.T) {
	db := newIndex(t)
	gone := rec("kiro", t0)
	gone.OriginalPath = "/only/a/deleted/backup"
	none := rec("codex", t0)
	none.OriginalPath = ""
	mustPut(t, db, rec("vscode", t0.Add(time.Hour)), gone, none, rec("cursor", t0))
	if err := db.Delete("kiro", t0); err != nil {
		t.Fatal(err)
	}
	// A record of version 2, as schema 2 left it.
	db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte(BucketHosts)).Bucket([]byte("vscode")).Put(recordKey(t0), golden(t, goldenV2))
	})
	dst := filepath.Join(t.TempDir(), "copy.db")
	if err := db.CompactTo(dst); err != nil {
		t.Fatal(err)
	}
	cp := openIndex(t, dst, Options{})
	want, got := records(t, db), records(t, cp)
	if len(got) != 4 || len(got) != len(want) {
		t.Fatalf("copy has %d records, the original %d", len(got), len(want))
	}
	for i := range got {
		if !equalRecords(got[i], want[i]) {
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	cp.bolt.View(func(tx *bolt.Tx) error {
		hosts := tx.Bucket([]byte(BucketHosts))
		hosts.ForEachBucket(func(name []byte) error {
			return hosts.Bucket(name).ForEach(func(k, v []byte) error {
				if v[0] != recordVersion {
					t.Errorf("%s %x: version %d", name, k, v[0])
				}
				return nil
			})
		})
		if p := tx.Bucket([]byte(BucketPaths)).Get([]byte(gone.OriginalPath)); p != nil {
			t.Error("the copy keeps a path no record uses")
		}
		if tx.Bucket([]byte(BucketTime)) != nil {
			t.Error("the copy has a time bucket")
		}
		return nil
	})
	next := rec("vscode", t0.Add(2*time.Hour))
	next.OriginalPath = "/a/new/path"
	mustPut(t, cp, next, rec("cursor", t0.Add(time.Hour)))

	for name, c := range map[string]struct {
		damage func(tx *bolt.Tx) error
		want   error
	}{
		"undecodable record": {func(tx *bolt.Tx) error {
			return tx.Bucket([]byte(BucketHosts)).Bucket([]byte("cursor")).Put(recordKey(t0), []byte{3, 0})
		}, ErrCorrupt},
		"schema 2 layout": {func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte(BucketPaths)) }, ErrNoLayout},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "index.db")
			copyTestFile(t, db.Path(), path)
			src, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			src.bolt.Update(c.damage)
			dst := filepath.Join(t.TempDir(), "copy.db")
			wantErr(t, src.CompactTo(dst), c.want)
			if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a failed compaction left %s: %v", dst, err)
			}
		})
	}
}

func copyTestFile(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.WriteFile(dst, fileBytes(t, src), 0o600); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t testing.TB, p string) int64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
