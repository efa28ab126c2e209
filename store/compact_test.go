package store

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/retention"
)

func (f *fixture) compact(o CompactOptions, mod ...func(*Options)) (CompactResult, error) {
	f.t.Helper()
	s := f.open(append([]func(*Options){atCleanNow}, mod...)...)
	defer s.Close()
	return s.Compact(context.Background(), o)
}

// byStamp maps the listed backups by host and timestamp.
func (f *fixture) byStamp() map[string]Backup {
	f.t.Helper()
	out := map[string]Backup{}
	for _, b := range f.all() {
		out[b.Host+"/"+b.Timestamp] = b
	}
	return out
}

// readAll reads every backup back through the store, checked.
func (f *fixture) readAll() map[string][]byte {
	f.t.Helper()
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	out := map[string][]byte{}
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			f.t.Fatal(err)
		}
		data, err := s.Read(b)
		if err != nil {
			f.t.Fatal(err)
		}
		out[b.Host+"/"+b.Timestamp] = data
	}
	return out
}

func TestCompactRoundTripsEveryBackup(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := make([]byte, 3<<20)
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	contents := map[string][]byte{
		"empty":              {},
		"small":              []byte(`{"mcpServers": {}}`),
		"large compressible": bytes.Repeat([]byte(`{"command": "npx", "args": ["-y"]},`), 200_000),
		"large random":       noise,
	}
	f := newFixture(t)
	var bs []GenBackup
	i := 0
	for _, data := range contents {
		for _, age := range []time.Duration{10 * 24 * time.Hour, time.Hour} {
			bs = append(bs, GenBackup{Host: "cursor", Created: cleanNow.Add(-age - time.Duration(i)*time.Minute), Data: data})
			i++
		}
	}
	recs, err := Populate(f.root, time.UTC, bs)
	if err != nil {
		t.Fatal(err)
	}
	before := f.byStamp()
	var progress []int
	res, err := f.compact(CompactOptions{CompressOlderThanDays: 1, Progress: func(done, total int) {
		if total != 4 {
			t.Errorf("progress total %d, want 4", total)
		}
		progress = append(progress, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Compressed) != 4 || len(progress) != 4 || progress[3] != 4 {
		t.Fatalf("compressed %d, progress %v; want 4 of 4", len(res.Compressed), progress)
	}
	after := f.byStamp()
	got := f.readAll()
	for i, r := range recs {
		key := r.Host + "/" + r.Timestamp
		b, old := after[key], before[key]
		if !bytes.Equal(got[key], bs[i].Data) || b.SHA256 != old.SHA256 || b.OriginalSize != old.OriginalSize {
			t.Errorf("%s: content or checksum changed", key)
		}
		wantZstd := cleanNow.Sub(r.Created) > 24*time.Hour
		if (b.Compression == "zstd") != wantZstd || strings.HasSuffix(b.Path, ".zst") != wantZstd {
			t.Errorf("%s: compression %s, file %s; want zstd %v", key, b.Compression, b.Path, wantZstd)
		}
		if _, err := os.Lstat(old.Path); (err == nil) == wantZstd {
			t.Errorf("%s: plain file %s exists: %v", key, old.Path, err == nil)
		}
		if fi, err := os.Lstat(b.Path); err != nil || fi.Size() != b.FileSize {
			t.Errorf("%s: %s on disk: %v", key, b.Path, err)
		}
	}
	if res.IndexAfter != fileSizeOf(t, filepath.Join(f.root, IndexFile)) || res.IndexBefore <= 0 {
		t.Errorf("index sizes %d -> %d", res.IndexBefore, res.IndexAfter)
	}
	if res.ZstdBytes >= res.PlainBytes {
		t.Errorf("compressed %d bytes into %d", res.PlainBytes, res.ZstdBytes)
	}
}

func fileSizeOf(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestCompactShrinksTheIndex(t *testing.T) {
	f := newFixture(t)
	f.populate(2000, time.Hour, "cursor", "vscode")
	if _, err := f.clean(CleanOptions{Policy: retention.Policy{KeepCount: intp(10)}}); err != nil {
		t.Fatal(err)
	}
	res, err := f.compact(CompactOptions{CompressOlderThanDays: 100000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index of 4000 records, 20 left: %d -> %d bytes", res.IndexBefore, res.IndexAfter)
	if len(res.Compressed) != 0 || res.IndexAfter >= res.IndexBefore/4 {
		t.Errorf("compressed %d; index %d -> %d bytes, want a quarter or less", len(res.Compressed), res.IndexBefore, res.IndexAfter)
	}
	if n := len(f.all()); n != 20 {
		t.Errorf("%d backups listed after compact, want 20", n)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(f.root, ".*.tmp")); len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
}

func TestCompactRefuses(t *testing.T) {
	f := newFixture(t)
	f.populate(3, 48*time.Hour, "cursor")
	snap := treeSnapshot(t, f.root)
	cases := []struct {
		name string
		o    CompactOptions
		mod  func(*Options)
		want error
	}{
		{"negative days", CompactOptions{CompressOlderThanDays: -1}, func(*Options) {}, ErrInvalid},
		{"read-only store", CompactOptions{}, func(o *Options) { o.UpgradingReader = true }, ErrReadOnly},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.compact(c.o, c.mod)
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			sameTree(t, snap, treeSnapshot(t, f.root))
		})
	}
}

// TestCompactLeftovers: what a crash leaves between the steps of one
// backup's compaction, and files that only look like it.
func TestCompactLeftovers(t *testing.T) {
	cases := []struct {
		name string
		// plant makes the leftover beside the backup at plain, compressed
		// to z; it returns the file to check afterwards.
		plant     func(t *testing.T, f *fixture, plain string, z []byte) string
		wantErr   error
		wantZstd  bool
		keepCheck bool // the planted file must still be there, unchanged
	}{
		{"our .zst, not yet indexed", func(t *testing.T, f *fixture, plain string, z []byte) string {
			os.WriteFile(plain+".zst", z, 0o600)
			return plain + ".zst"
		}, nil, true, false},
		{"other content at the .zst name", func(t *testing.T, f *fixture, plain string, z []byte) string {
			os.WriteFile(plain+".zst", []byte("not zstd"), 0o600)
			return plain + ".zst"
		}, ErrIntegrity, false, true},
		{"plain copy of an indexed .zst", func(t *testing.T, f *fixture, plain string, z []byte) string {
			data, _ := os.ReadFile(plain)
			f.compactOnly(t)
			os.WriteFile(plain, data, 0o600)
			return plain
		}, nil, true, false},
		{"other file at the plain name of a .zst", func(t *testing.T, f *fixture, plain string, z []byte) string {
			f.compactOnly(t)
			os.WriteFile(plain, []byte("someone else's"), 0o600)
			return plain
		}, nil, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			// The backup under test is not the newest, which compact
			// leaves plain.
			recs := f.populate(2, time.Hour, "codex")
			plain := filepath.Join(f.root, filepath.FromSlash(recs[1].File))
			data, _ := os.ReadFile(plain)
			planted := c.plant(t, f, plain, blob.Compress(data))
			plantedBytes, _ := os.ReadFile(planted)
			_, err := f.compact(CompactOptions{})
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("compact: %v, want %v", err, c.wantErr)
			}
			b := f.byStamp()["codex/"+recs[1].Timestamp]
			if (b.Compression == "zstd") != c.wantZstd {
				t.Errorf("compression %s, want zstd %v", b.Compression, c.wantZstd)
			}
			if got := f.readAll()["codex/"+b.Timestamp]; !bytes.Equal(got, data) {
				t.Errorf("backup reads back other bytes")
			}
			now, err := os.ReadFile(planted)
			if stays := err == nil && bytes.Equal(now, plantedBytes); stays != (c.keepCheck || planted == b.Path) {
				t.Errorf("planted %s still there: %v", planted, stays)
			}
			if planted != b.Path {
				os.Remove(planted) // reindex's job; the invariants want no unindexed file
			}
		})
	}
}

// compactOnly compacts f's store and fails the test on an error.
func (f *fixture) compactOnly(t *testing.T) {
	t.Helper()
	if _, err := f.compact(CompactOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestCompactSkipsDamagedAndAdoptedBackups(t *testing.T) {
	f := newFixture(t)
	recs := f.populate(4, time.Hour, "cursor")
	adopted := filepath.Join(f.root, "claude-desktop", "claude_desktop_config.json.claude-desktop.20250101_120000_000000")
	os.MkdirAll(filepath.Dir(adopted), 0o700)
	os.WriteFile(adopted, []byte(`{"mcpServers": {}}`), 0o600)
	// A newer one, so that the one under test is not the newest (which
	// compact leaves plain whatever its name).
	os.WriteFile(strings.Replace(adopted, "20250101", "20250102", 1), []byte(`{"mcpServers": {"a": {}}}`), 0o600)
	os.Remove(filepath.Join(f.root, IndexFile))
	if n := len(f.all()); n != 6 { // the first open adopts every file
		t.Fatalf("%d backups adopted, want 6", n)
	}
	damaged := filepath.Join(f.root, filepath.FromSlash(recs[1].File))
	good, _ := os.ReadFile(damaged)
	os.WriteFile(damaged, append([]byte("X"), good[1:]...), 0o600)

	res, err := f.compact(CompactOptions{})
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), damaged) {
		t.Fatalf("compact: %v, want ErrIntegrity naming %s", err, damaged)
	}
	if len(res.Compressed) != 2 || len(res.Kept) != 1 || res.Kept[0].Path != adopted {
		t.Errorf("compressed %d, kept %+v; want 2 and the adopted one", len(res.Compressed), res.Kept)
	}
	if _, err := os.Lstat(adopted); err != nil {
		t.Errorf("adopted backup renamed: %v", err)
	}
	if res.IndexAfter == 0 {
		t.Errorf("index not rewritten after a damaged backup")
	}
	os.WriteFile(damaged, good, 0o600) // the invariants read every backup
}

func TestCompactIndexSwapFailure(t *testing.T) {
	f := newFixture(t)
	f.populate(5, 48*time.Hour, "cursor")
	rec := hatomic.NewRecorder(hatomic.OS())
	idx := filepath.Join(f.root, IndexFile)
	rec.Fail("rename", func(p string) bool { return p == idx }, syscall.EIO)
	s := f.open(atCleanNow, func(o *Options) { o.FS = rec })
	defer s.Close()
	_, err := s.Compact(context.Background(), CompactOptions{})
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), idx) {
		t.Fatalf("compact: %v, want EIO naming %s", err, idx)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(f.root, ".*.tmp")); len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
	if _, err := s.Latest(context.Background(), "cursor"); err != nil {
		t.Errorf("store unusable after a failed swap: %v", err)
	}
	if s.db == nil {
		t.Fatal("index not reopened")
	}
	if n, _ := s.db.Count(); n != 5 {
		t.Errorf("%d records after a failed swap, want 5", n)
	}
}

// TestCompactLeavesNewestPlain: the newest backup of each host and
// original path stays a plain file (Python Hatch restores the newest file
// it can read, and it cannot read zstd); a future-dated backup is not the
// newest, as for latest.
func TestCompactLeavesNewestPlain(t *testing.T) {
	f := newFixture(t)
	recs := f.populate(3, time.Hour, "cursor", "vscode")
	future, err := Populate(f.root, time.UTC, []GenBackup{
		{Host: "cursor", Created: cleanNow.Add(72 * time.Hour), Data: []byte(`{"future": 1}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(f.root, IndexFile)) // adopt the future one too
	f.compactOnly(t)
	plain := map[string]bool{"cursor/" + recs[0].Timestamp: true, "vscode/" + recs[3].Timestamp: true,
		"cursor/" + future[0].Timestamp: true}
	all := f.byStamp()
	if len(all) != 7 {
		t.Fatalf("%d backups, want 7", len(all))
	}
	for key, b := range all {
		want := "zstd"
		if plain[key] {
			want = "none"
		}
		if b.Compression != want {
			t.Errorf("%s: compression %s, want %s", key, b.Compression, want)
		}
	}
}
