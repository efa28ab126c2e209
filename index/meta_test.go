package index

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCommittedSize reads the meta pages of real bbolt files: the size
// their pages need is the file's size after a commit, the newest meta
// page wins, and damaged meta pages are recognised as such.
func TestCommittedSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "index.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustLayout(t, db)
	for i := range 300 {
		mustPut(t, db, rec("cursor", time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC)))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	need, problem := committedSize(bytesAt(data), int64(len(data)))
	if problem != "" || need <= 2*4096 || need > int64(len(data)) {
		t.Fatalf("committedSize = %d, %q; the file is %d bytes", need, problem, len(data))
	}
	m0, p0 := parseBoltMeta(data)
	m1, p1 := parseBoltMeta(data[m0.pageSize:])
	if p0 != "" || p1 != "" || m0.txid == m1.txid {
		t.Fatalf("meta pages: %+v %q, %+v %q", m0, p0, m1, p1)
	}
	newer, older := int64(0), int64(m0.pageSize)
	if m1.txid > m0.txid {
		newer, older = older, newer
	}
	// damage flips a byte of the pgid of the meta pages at offsets: their
	// checksums no longer match.
	damage := func(offsets ...int64) []byte {
		d := append([]byte(nil), data...)
		for _, at := range offsets {
			d[at+boltPageHeader+44] ^= 0xff
		}
		return d
	}
	cases := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"intact", data, true},
		{"newer meta damaged: the older one counts", damage(newer), true},
		{"older meta damaged", damage(older), true},
		{"both damaged", damage(newer, older), false},
		{"garbage", make([]byte, 8192), false},
		{"shorter than a meta page", data[:40], false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, problem := committedSize(bytesAt(c.data), int64(len(c.data)))
			ok := problem == ""
			if ok != c.ok {
				t.Fatalf("problem %q, want a valid meta page: %v (need %d)", problem, c.ok, got)
			}
			if ok && (got > need || got < 2*4096) {
				t.Errorf("need %d, want at most the newest commit's %d", got, need)
			}
			if ok && c.name != "newer meta damaged: the older one counts" && got != need {
				t.Errorf("need %d, want %d", got, need)
			}
		})
	}
}

// bytesAt is an io.ReaderAt over b.
type bytesAt []byte

func (b bytesAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, os.ErrNotExist
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, os.ErrNotExist
	}
	return n, nil
}
