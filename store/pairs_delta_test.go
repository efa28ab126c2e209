package store

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
)

// TestPairDeltasGoesOnPastADamagedWholeForm: an unreadable whole form
// (here a symlink) beside one delta leaves that delta to adoption and
// still pairs the others; it used to end the pairing and return no files
// at all, so reindex adopted nothing.
func TestPairDeltasGoesOnPastADamagedWholeForm(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cursor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	stamp := func(h int) string { return blob.FormatTimestamp(at.Add(time.Duration(h) * time.Hour)) }
	name := func(h int, zst, delta bool) string {
		n := blob.NewName("cursor", stamp(h), zst)
		n.Delta = delta
		return filepath.Join(dir, n.String())
	}
	write := func(p string, data []byte) {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	base := claudeLike(3)
	write(name(3, false, false), base) // the newest, plain: every delta's base
	var files []found
	add := func(p string, h int, zst, delta bool) {
		files = append(files, found{host: "cursor", timestamp: stamp(h), path: p, compressed: zst, delta: delta})
	}
	add(name(3, false, false), 3, false, false)
	for _, h := range []int{1, 2} {
		d, err := blob.EncodeDelta(claudeLike(h), base, blob.DeltaHeader{Base: stamp(3)})
		if err != nil {
			t.Fatal(err)
		}
		write(name(h, false, true), d)
		add(name(h, false, true), h, false, true)
	}
	// Backup 1: its .delta beside a plain copy that is a symlink (damage).
	if err := os.Symlink(name(3, false, false), name(1, false, false)); err != nil {
		t.Skip(err)
	}
	add(name(1, false, false), 1, false, false)
	// Backup 2: its .delta beside its .zst, the same content.
	write(name(2, true, false), blob.Compress(claudeLike(2)))
	add(name(2, true, false), 2, true, false)
	slices.SortFunc(files, compareFound)

	s := newStore(Options{Root: filepath.Dir(dir)})
	keep, dups, err := s.pairDeltas(slices.Clone(files))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dups, []string{name(2, false, true)}) {
		t.Errorf("dups %v, want backup 2's .delta", dups)
	}
	if len(keep) != len(files)-1 || slices.ContainsFunc(keep, func(f found) bool { return f.path == name(2, false, true) }) {
		t.Errorf("kept %d of %d files: %v", len(keep), len(files), keep)
	}
}
