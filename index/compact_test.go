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
	if v, err := cp.Schema(); err != nil || v != 1 {
		t.Errorf("copy schema %d, %v; want 1", v, err)
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

func fileSize(t testing.TB, p string) int64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
