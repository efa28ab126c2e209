package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCompactReportsWhatItDid: a compact that fails after compressing the
// first host's backups says how many it compressed, and returns them in
// its result: the store changed, and the user must know.
func TestCompactReportsWhatItDid(t *testing.T) {
	f := newFixture(t)
	recs := f.populate(4, 48*time.Hour, "cursor", "kiro")
	newest := map[string]bool{recs[0].Timestamp: true, recs[4].Timestamp: true} // stay plain
	rec, seam := f.recorder()
	first := "" // the host compact starts with; every other host's files fail
	rec.Fail("open", func(p string) bool {
		rel, err := filepath.Rel(f.root, p)
		if err != nil || !strings.Contains(rel, string(filepath.Separator)) {
			return false
		}
		host := strings.Split(rel, string(filepath.Separator))[0]
		if first == "" {
			first = host
		}
		return host != first
	}, syscall.EIO)
	s := f.open(atCleanNow, seam)
	res, err := s.Compact(context.Background(), CompactOptions{})
	s.Close()
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("compact: %v, want EIO", err)
	}
	if len(res.Compressed) != 3 || !strings.Contains(err.Error(), fmt.Sprintf("compressed %d backups", len(res.Compressed))) {
		t.Errorf("compressed %d backups; error %q does not say so", len(res.Compressed), err)
	}
	for _, b := range res.Compressed {
		if b.Host != first || b.Compression != "zstd" {
			t.Errorf("reported as compressed: %+v", b)
		}
	}
	for _, b := range f.all() {
		if zstd := b.Compression == "zstd"; zstd != (b.Host == first && !newest[b.Timestamp]) {
			t.Errorf("%s: compression %s after the failed compact", b.Path, b.Compression)
		}
	}
}
