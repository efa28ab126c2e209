package store

import (
	"context"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
)

// zeros reads as n zero bytes.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// TestCompactDeltaLeavesHugeBackupsWhole: a backup over MaxDeltaOriginal
// is neither made a delta nor used as a base: it is stored as .zst, and so
// is the backup whose planned base it is; the others become deltas.
func TestCompactDeltaLeavesHugeBackupsWhole(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a 64 MiB backup")
	}
	f := newFixture(t)
	at := cleanNow.Add(-10 * time.Hour)
	// Backups 1, 3, 4 (the newest) are small; 2 is huge. Planned bases:
	// 1 against 2, 2 and 3 against 4.
	bs := []GenBackup{
		{Host: "cursor", Created: at.Add(1 * time.Hour), Data: claudeLike(1)},
		{Host: "cursor", Created: at.Add(3 * time.Hour), Data: claudeLike(3)},
		{Host: "cursor", Created: at.Add(4 * time.Hour), Data: claudeLike(4)},
	}
	if _, err := Populate(f.root, time.UTC, bs); err != nil {
		t.Fatal(err)
	}
	const size = MaxDeltaOriginal + 1
	huge := genRecord("cursor", at.Add(2*time.Hour), time.UTC, "/home/user/cursor.json", size)
	p := filepath.Join(f.root, filepath.FromSlash(huge.File))
	fh, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, FileMode)
	if err != nil {
		t.Fatal(err)
	}
	// A Claude Code-like config, then zeros: sparse, no 64 MiB written,
	// and a delta against it (or of it) would pay.
	head := claudeLike(2)
	if _, err := fh.Write(head); err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(size); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	if err := os.Chtimes(p, time.Time{}, huge.Created); err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	h.Write(head)
	io.Copy(h, &zeros{n: size - int64(len(head))})
	copy(huge.SHA256[:], h.Sum(nil))
	if err := genFill(f.root, func(put func(index.Record) error) error { return put(huge) }); err != nil {
		t.Fatal(err)
	}

	s := f.open(func(o *Options) { o.Now = func() time.Time { return cleanNow } })
	defer s.Close()
	if _, err := s.Compact(context.Background(), CompactOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.Compression)
		if b.Compression == "delta" && b.Base == huge.Timestamp {
			t.Errorf("backup %s is a delta against the huge backup", b.Timestamp)
		}
		data, err := s.Read(b)
		if err != nil || int64(len(data)) != b.OriginalSize {
			t.Fatalf("read %s: %v", b.Timestamp, err)
		}
	}
	// Newest first: 4 plain, 3 a delta, 2 (huge) and 1 whole.
	if want := []string{"none", "delta", "zstd", "zstd"}; !slices.Equal(got, want) {
		t.Fatalf("compressions %v, want %v", got, want)
	}
}
