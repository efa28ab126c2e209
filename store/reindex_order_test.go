package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/migrations"
)

// unorderedStore writes, into root (no index), backup files of four hosts
// in a shuffled order, so that the folders list them in no name order and
// the forms of one backup fall in different 1024-entry reads: per host and
// second, a plain backup, sometimes its .zst with the same bytes (an
// interrupted compact), a .zst of other bytes (a second backup), a Python
// Hatch name sharing the timestamp (two backups at one instant), a .delta
// against the second after (with or without its plain twin) and an
// undecodable .zst. Every host uses the same timestamps, so runs of one
// timestamp span hosts. mtimes are the names' instants in UTC for some
// files (their zone is read from them) and far off for the others.
func unorderedStore(t *testing.T, root string, perHost int) {
	t.Helper()
	type file struct {
		path  string
		data  []byte
		mtime time.Time
	}
	var files []file
	t0 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, host := range []string{"cursor", "claude-desktop", "gemini", "lmstudio"} {
		dir := filepath.Join(root, host)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		name := func(prefix string, i int, suffix string) string {
			ts := blob.FormatTimestamp(t0.Add(time.Duration(i) * time.Second))
			return filepath.Join(dir, prefix+"."+host+"."+ts+suffix)
		}
		content := func(i int, v string) []byte {
			return fmt.Appendf(nil, `{"host": %q, "n": %d, "v": %q, "pad": %q}`, host, i, v, strings.Repeat("x", 600))
		}
		for i := range perHost {
			at := t0.Add(time.Duration(i) * time.Second)
			if i%3 == 0 {
				at = at.Add(-400 * time.Hour) // no zone fits: the store's zone
			}
			add := func(p string, data []byte) { files = append(files, file{p, data, at}) }
			plain := content(i, "a")
			switch {
			case (i%13 == 5 || i%13 == 6) && (i+1)%7 >= 5 && i+1 < perHost: // a newer base of one form
				base := content(i+1, "a")
				d, err := blob.EncodeDelta(plain, base, blob.DeltaHeader{Base: blob.FormatTimestamp(t0.Add(time.Duration(i+1) * time.Second))})
				if err != nil {
					t.Fatal(err)
				}
				add(name("mcp.json", i, blob.DeltaSuffix), d)
				if i%13 == 6 {
					add(name("mcp.json", i, ""), plain) // the delta's whole form
				}
			default:
				add(name("mcp.json", i, ""), plain)
			}
			switch i % 7 {
			case 1:
				add(name("mcp.json", i, blob.ZstdSuffix), blob.Compress(plain)) // an interrupted compact
			case 2:
				add(name("mcp.json", i, blob.ZstdSuffix), blob.Compress(content(i, "b"))) // another backup
			case 3:
				add(name("claude_desktop_config.json", i, ""), content(i, "c")) // Python Hatch, same instant
			case 4:
				if i%5 == 0 {
					add(name("mcp.json", i, blob.ZstdSuffix), []byte("not zstd")) // damaged
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(f.path, f.mtime, f.mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// buildAsBefore is the first build as it was before the folder scan was
// streamed: every backup file found, sorted in memory, paired as a whole,
// adopted from the slice. It returns the paths adopted, in order.
func buildAsBefore(t *testing.T, opts Options) []string {
	t.Helper()
	s := newStore(opts)
	defer s.closeAll()
	db, err := index.Create(s.indexPath())
	if err != nil {
		t.Fatal(err)
	}
	s.db = db
	if _, err := migrations.Up(db); err != nil {
		t.Fatal(err)
	}
	sc, err := s.scanFolders()
	if err != nil {
		t.Fatal(err)
	}
	files, dups, err := s.pairUp(sc.backups)
	if err != nil {
		t.Fatal(err)
	}
	files, deltaDups, err := s.pairDeltas(files)
	if err != nil {
		t.Fatal(err)
	}
	var adopted []string
	_, err = s.adopt(context.Background(), sliceBatches(files), adoptOptions{each: func(b Backup) error {
		adopted = append(adopted, b.Path)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.removeDuplicates(append(dups, deltaDups...)); err != nil {
		t.Fatal(err)
	}
	return adopted
}

// indexRecords lists every record of the index at root, files relative.
func indexRecords(t *testing.T, root string) []index.Record {
	t.Helper()
	db, err := index.Open(filepath.Join(root, IndexFile), index.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []index.Record
	if err := db.List(index.Query{}, func(r index.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// fileNames lists the backup files left under root, relative.
func fileNames(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	for _, h := range []string{"cursor", "claude-desktop", "gemini", "lmstudio"} {
		entries, err := os.ReadDir(filepath.Join(root, h))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			out = append(out, h+"/"+e.Name())
		}
	}
	return out
}

// TestReindexUnorderedFolders: with the index lost, reindex of folders
// that list their files in no name order, holding more than one folder
// read (1024 entries) each, sorted through many spilled runs and adopted
// in small batches, pairs the forms of each backup and adopts, orders and
// dates everything exactly as the in-memory build did: the same records
// (instants, files, compression, delta bases), the same adoption order,
// the same files left.
func TestReindexUnorderedFolders(t *testing.T) {
	smallBatches(t)
	oldSpill := spillBytes
	spillBytes = 4 << 10 // about 40 runs a reindex
	t.Cleanup(func() { spillBytes = oldSpill })
	const perHost = 1300
	before, after := newFixture(t), newFixture(t)
	unorderedStore(t, before.root, perHost)
	unorderedStore(t, after.root, perHost)

	wantAdopted := buildAsBefore(t, before.opts)
	var adopted []string
	res, err := Reindex(context.Background(), after.opts, ReindexOptions{Adopted: func(b Backup) error {
		adopted = append(adopted, b.Path)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	rel := func(root string, paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i], _ = filepath.Rel(root, p)
		}
		return out
	}
	if got, want := rel(after.root, adopted), rel(before.root, wantAdopted); !slices.Equal(got, want) {
		t.Errorf("adopted %d backups, want %d in the same order", len(got), len(want))
	}
	if res.AdoptedCount != len(wantAdopted) || res.AdoptedCount < 4*perHost {
		t.Errorf("adopted count %d, want %d", res.AdoptedCount, len(wantAdopted))
	}
	got, want := indexRecords(t, after.root), indexRecords(t, before.root)
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	deltas := 0
	for i := range got {
		if !got[i].Created.Equal(want[i].Created) || got[i].File != want[i].File || got[i].Compression != want[i].Compression ||
			got[i].Base != want[i].Base || got[i].SHA256 != want[i].SHA256 || got[i].Parse != want[i].Parse {
			t.Fatalf("record %d: %+v, want %+v", i, got[i], want[i])
		}
		if got[i].Compression == index.Delta {
			deltas++
		}
	}
	if deltas == 0 {
		t.Error("no delta adopted")
	}
	if g, w := fileNames(t, after.root), fileNames(t, before.root); !slices.Equal(g, w) {
		t.Errorf("files left differ: %d, want %d", len(g), len(w))
	}
	damaged := 0
	for _, p := range res.Problems {
		if p.Kind == ProblemUndecodable {
			damaged++
		}
	}
	if damaged == 0 {
		t.Errorf("no damaged file reported: %v", res.Problems)
	}
	// Leave the fixture's stores sound for its invariants.
	for _, f := range []*fixture{before, after} {
		for _, p := range fileNames(t, f.root) {
			if data, err := os.ReadFile(filepath.Join(f.root, p)); err == nil && string(data) == "not zstd" {
				os.Remove(filepath.Join(f.root, p))
			}
		}
	}
}

// TestAdoptStreamsLargeFiles: a backup file larger than adoptWhole is
// adopted without being read whole (plain and .zst), with the sizes and
// sha256 of a whole read and its parse status unknown, and reads back;
// a large .zst that does not decode is reported, not adopted.
func TestAdoptStreamsLargeFiles(t *testing.T) {
	old := adoptWhole
	adoptWhole = 256
	t.Cleanup(func() { adoptWhole = old })
	f := newFixture(t)
	dir := filepath.Join(f.root, "cursor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	pad := make([]byte, 100<<10)
	for i := range pad {
		pad[i] = "0123456789abcdef"[rng.IntN(16)]
	}
	data := fmt.Appendf(nil, `{"mcpServers": {}, "pad": %q}`, pad)
	t0 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	write := func(i int, compressed bool, b []byte) string {
		p := filepath.Join(dir, blob.NewName("cursor", blob.FormatTimestamp(t0.Add(time.Duration(i)*time.Second)), compressed).String())
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(0, false, data)
	write(1, true, blob.Compress(data))
	write(2, false, []byte(`{"small": true}`))
	bad := write(3, true, append(blob.Compress(data)[:300:300], make([]byte, 400)...))
	sparse := fmt.Appendf(nil, `{"pad": %q}`, strings.Repeat("z", 50<<10))
	write(4, true, blob.Compress(sparse)) // small, of a large config
	res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.AdoptedCount != 4 || len(res.Problems) != 1 || res.Problems[0].Path != bad || res.Problems[0].Kind != ProblemUndecodable {
		t.Fatalf("adopted %d, problems %+v; want 4 and the damaged .zst", res.AdoptedCount, res.Problems)
	}
	os.Remove(bad)
	recs := indexRecords(t, f.root)
	if r := recs[0]; r.OriginalSize != int64(len(sparse)) || r.SHA256 != blob.Sum(sparse) || r.Parse != index.ParseUnknown {
		t.Errorf("small .zst of a large config: %+v", r)
	}
	recs = recs[1:]
	sum := blob.Sum(data)
	for _, r := range recs[1:] { // newest first: the small one is last
		if r.OriginalSize != int64(len(data)) || r.SHA256 != sum || r.Parse != index.ParseUnknown {
			t.Errorf("record %s: size %d, parse %v; want %d, unknown, and the sha256 of the bytes", r.File, r.OriginalSize, r.Parse, len(data))
		}
	}
	if recs[0].Parse != index.Parsed {
		t.Errorf("small file: parse %v, want parsed", recs[0].Parse)
	}
	all := f.all()
	s := f.open()
	defer s.Close()
	for _, b := range all {
		if got, err := s.Read(b); err != nil || (b.OriginalSize > 100 && b.OriginalSize != int64(len(sparse)) && string(got) != string(data)) {
			t.Errorf("read %s: %v", b.Path, err)
		}
	}
}
