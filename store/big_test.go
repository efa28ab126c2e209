package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
)

// paddedConfig writes a valid JSON config of exactly size bytes at p: a
// prefix, a run of spaces (written 1 MiB at a time), a closing brace.
func paddedConfig(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prefix := `{"mcpServers": {"big": {"command": "npx"}}`
	if _, err := f.WriteString(prefix); err != nil {
		t.Fatal(err)
	}
	// Spaces, written in 1 MiB chunks: JSON allows any run of them.
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	for left := size - int64(len(prefix)) - 1; left > 0; {
		n := min(left, int64(len(chunk)))
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
		left -= n
	}
	if _, err := f.WriteString("}"); err != nil {
		t.Fatal(err)
	}
}

// fileSum is the sha256 of the file at p, streamed.
func fileSum(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// A config over MaxParseSize (which once was the refused MaxConfigSize)
// is backed up, plain and compressed, and reads back through every
// streamed path: verify, WriteTo (show), restore, compact.
func TestCreateOverParseLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 x 64 MiB")
	}
	f := newFixture(t)
	big := filepath.Join(f.dir, "big.json")
	paddedConfig(t, big, MaxParseSize+1)
	want := fileSum(t, big)
	ctx := context.Background()
	s := f.open()
	defer s.Close()
	plain, err := s.Create(ctx, CreateOptions{Host: "cursor", ConfigPath: big})
	if err != nil {
		t.Fatalf("create plain: %v", err)
	}
	zst, err := s.Create(ctx, CreateOptions{Host: "cursor", ConfigPath: big, Compress: true})
	if err != nil {
		t.Fatalf("create compressed: %v", err)
	}
	for _, b := range []Backup{plain.Backup, zst.Backup} {
		if b.SHA256 != want || b.OriginalSize != MaxParseSize+1 || b.Parsed != nil {
			t.Errorf("%s: size %d, parsed %v, sha256 match %v", b.Path, b.OriginalSize, b.Parsed, b.SHA256 == want)
		}
		var out bytes.Buffer
		h := sha256.New()
		if err := s.WriteTo(io.MultiWriter(h, &out), b); err != nil || [32]byte(h.Sum(nil)) != want {
			t.Errorf("WriteTo %s: %v", b.Path, err)
		}
	}
	if zst.Backup.FileSize >= MaxParseSize/100 {
		t.Errorf("compressed backup is %d bytes", zst.Backup.FileSize)
	}
	skip, err := s.Create(ctx, CreateOptions{Host: "cursor", ConfigPath: big, SkipUnchanged: true})
	if err != nil || !skip.Skipped || skip.Backup.Timestamp != zst.Backup.Timestamp {
		t.Errorf("skip-unchanged: %+v, %v", skip, err)
	}
	if _, err := s.Read(plain.Backup); err != nil {
		t.Errorf("Read: %v", err)
	}
	// diff needs the document: refused, naming the backup, size and limit.
	_, err = s.Diff(ctx, DiffOptions{Host: "cursor", Timestamp: plain.Backup.Timestamp})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), plain.Backup.Path) || !strings.Contains(err.Error(), "64 MiB limit for parsing") {
		t.Errorf("diff of a huge backup: %v", err)
	}
	to := filepath.Join(f.dir, "restored.json")
	if _, err := s.Restore(ctx, RestoreOptions{Host: "cursor", Timestamp: zst.Backup.Timestamp, To: to}); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if fileSum(t, to) != want {
		t.Error("restored content differs")
	}
	res, err := s.Compact(ctx, CompactOptions{})
	if err != nil || len(res.Compressed) != 1 {
		t.Fatalf("compact: %d compressed, %v", len(res.Compressed), err)
	}
	rep, err := s.Verify(ctx, VerifyOptions{})
	if err != nil || len(rep.Problems) != 0 {
		t.Errorf("verify: %v, %v", rep.Problems, err)
	}
}

// A config at StreamThreshold keeps the fast path (read whole, parsed);
// one byte more is streamed (parse state unknown), and both read back.
func TestStreamThreshold(t *testing.T) {
	f := newFixture(t)
	small := filepath.Join(f.dir, "small.json")
	paddedConfig(t, small, StreamThreshold)
	large := filepath.Join(f.dir, "large.json")
	paddedConfig(t, large, StreamThreshold+1)
	for _, c := range []struct {
		path   string
		parsed bool
	}{{small, true}, {large, false}} {
		b := f.create("cursor", c.path)
		if (b.Parsed != nil) != c.parsed || b.SHA256 != fileSum(t, c.path) {
			t.Errorf("%s: parsed %v, want known %v", c.path, b.Parsed, c.parsed)
		}
		// Read returns the whole content on either side of the threshold
		// (it once returned nothing, and no error, above it).
		s := f.open()
		data, err := s.Read(b)
		s.Close()
		if err != nil || sha256.Sum256(data) != b.SHA256 {
			t.Errorf("Read %s: %d bytes, %v; want its %d bytes", c.path, len(data), err, b.OriginalSize)
		}
	}
}

// A big backup whose bytes were damaged (same size) is refused by restore
// before anything is written: the target keeps its content, no temp file
// is left beside it, and no safety backup is taken.
func TestRestoreDamagedBigBackup(t *testing.T) {
	f := newFixture(t)
	cfg := filepath.Join(f.dir, "cfg.json")
	paddedConfig(t, cfg, StreamThreshold+1)
	b := f.create("cursor", cfg)
	fh, err := os.OpenFile(b.Path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteAt([]byte("x"), StreamThreshold/2)
	fh.Close()
	t.Cleanup(func() { // undo the damage for the store's invariants check
		if fh, err := os.OpenFile(b.Path, os.O_WRONLY, 0); err == nil {
			fh.WriteAt([]byte(" "), StreamThreshold/2)
			fh.Close()
		}
	})
	target := f.config("target.json", []byte(`{"mine": true}`))
	s := f.open()
	defer s.Close()
	_, err = s.Restore(context.Background(), RestoreOptions{Host: "cursor", Timestamp: b.Timestamp, To: target})
	if !IsIntegrity(err) {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	if got, _ := os.ReadFile(target); string(got) != `{"mine": true}` {
		t.Errorf("target changed")
	}
	entries, _ := os.ReadDir(f.dir)
	if len(entries) != 2 {
		t.Errorf("files beside the target: %v", entries)
	}
	var out bytes.Buffer
	if err := s.WriteTo(&out, b); !IsIntegrity(err) || out.Len() != 0 {
		t.Errorf("WriteTo of a damaged backup: %v, %d bytes out", err, out.Len())
	}
	rep, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil || len(rep.Problems) != 1 || rep.Problems[0].Kind != ProblemChecksum {
		t.Errorf("verify: %v, %v", rep.Problems, err)
	}
}

// Restoring a big backup over a target holding the same bytes changes
// nothing; over another one it takes a streamed safety backup of it.
func TestRestoreBigSafety(t *testing.T) {
	f := newFixture(t)
	cfg := filepath.Join(f.dir, "cfg.json")
	paddedConfig(t, cfg, StreamThreshold+10)
	b := f.create("cursor", cfg)
	s := f.open()
	defer s.Close()
	ctx := context.Background()
	res, err := s.Restore(ctx, RestoreOptions{Host: "cursor", Timestamp: b.Timestamp, To: cfg})
	if err != nil || res.Changed || res.SafetyBackup != nil {
		t.Fatalf("restore over the same bytes: %+v, %v", res, err)
	}
	old := fileSum(t, cfg)
	paddedConfig(t, cfg, StreamThreshold+20)
	changed := fileSum(t, cfg)
	res, err = s.Restore(ctx, RestoreOptions{Host: "cursor", Timestamp: b.Timestamp, To: cfg})
	if err != nil || !res.Changed || res.SafetyBackup == nil {
		t.Fatalf("restore: %+v, %v", res, err)
	}
	if res.SafetyBackup.SHA256 != changed || !res.SafetyBackup.Safety || fileSum(t, cfg) != old {
		t.Errorf("safety backup or restored content wrong")
	}
}

// RollbackOnFailure puts a big config back from its backup as a stream.
func TestRollbackBig(t *testing.T) {
	f := newFixture(t)
	cfg := filepath.Join(f.dir, "cfg.json")
	paddedConfig(t, cfg, StreamThreshold+3)
	want := fileSum(t, cfg)
	s := f.open()
	defer s.Close()
	ctx := context.Background()
	res, err := s.PrepareBackup(ctx, "cursor", cfg, false)
	if err != nil || res == nil {
		t.Fatalf("prepare: %v", err)
	}
	if err := os.WriteFile(cfg, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.RollbackOnFailure(ctx, res, cfg); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if fileSum(t, cfg) != want {
		t.Error("rolled back content differs")
	}
}

// A guard over a config above MaxParseSize records the change with its
// servers unknown (never an error), and undo puts the config back.
func TestGuardHugeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("writes several 64 MiB files")
	}
	f := newGuardFixture(t)
	paddedConfig(t, f.cursor, MaxParseSize+100)
	before := fileSum(t, f.cursor)
	s := f.open()
	ctx := context.Background()
	cs, err := s.Guard(ctx, []string{"cursor"}, func(context.Context) error {
		paddedConfig(t, f.cursor, MaxParseSize+200)
		return nil
	})
	if err != nil {
		t.Fatalf("guard: %v", err)
	}
	rep := s.Report(ctx, cs)
	if len(rep) != 1 || rep[0].Kind != "changed" || rep[0].Servers != nil {
		t.Fatalf("report %+v", rep)
	}
	if _, err := s.Undo(ctx, UndoOptions{}); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if fileSum(t, f.cursor) != before {
		t.Error("undo did not put the huge config back")
	}
}

// Claude Code's rotating copy of a big ~/.claude.json is adopted by
// import (past the old 64 MiB refusal), streamed, dated by its mtime,
// and only once.
func TestImportBigCopy(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 2 x 64 MiB")
	}
	f := newFixture(t)
	ctx := context.Background()
	s := f.open()
	defer s.Close()
	p := filepath.Join(s.env.Getenv("HOME"), ".claude", "backups", ".claude.json.backup.1")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	paddedConfig(t, p, MaxParseSize+5)
	when := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	os.Chtimes(p, when, when)
	res, err := s.Import(ctx, ImportOptions{})
	if err != nil || len(res.Adopted) != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	b := res.Adopted[0].Backup
	if !b.Created.Equal(when) || b.SHA256 != fileSum(t, p) || b.OriginalSize != MaxParseSize+5 {
		t.Errorf("adopted %+v", b)
	}
	if err := s.checkIntact(*b); err != nil {
		t.Error(err)
	}
	again, err := s.Import(ctx, ImportOptions{})
	if err != nil || len(again.Adopted) != 0 || len(again.Skipped) != 1 {
		t.Fatalf("second run: %+v %v", again, err)
	}
}

// A watch over a config above MaxParseSize backs it up (streamed, never
// an error) and, its servers unknown, paces its later changes at
// MinInterval, as it does changes that leave the servers as they were.
func TestWatcherHugeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("writes several 64 MiB files")
	}
	f := newGuardFixture(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.opts.Now = func() time.Time { return now }
	check := watchChecker(t, NewWatcher(f.opts, 10*time.Minute), f.cursor, &now)
	paddedConfig(t, f.cursor, MaxParseSize+100)
	if ev := check("backup"); ev.Backup.SHA256 != fileSum(t, f.cursor) || ev.Servers != nil {
		t.Fatalf("first backup %+v", ev)
	}
	check("") // identical bytes
	paddedConfig(t, f.cursor, MaxParseSize+200)
	if ev := check("skipped"); ev.Retry <= 0 || ev.Retry > 10*time.Minute {
		t.Errorf("retry %v", ev.Retry)
	}
	now = now.Add(time.Hour)
	if ev := check("backup"); ev.Backup.SHA256 != fileSum(t, f.cursor) {
		t.Fatalf("paced backup %+v", ev)
	}
}

// An interrupted compact of a backup above MaxParseSize (its .zst beside
// the plain file, the index lost) is recognised as one backup: the two
// files are compared as streams, and the plain copy goes.
func TestReindexFinishesBigInterruptedCompact(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 64 MiB config and its .zst")
	}
	f := newFixture(t)
	cfg := filepath.Join(f.dir, "big.json")
	paddedConfig(t, cfg, MaxParseSize+100)
	b := f.create("cursor", cfg)
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	writeAt(t, b.Path+".zst", blob.Compress(data), b.Created)
	removeIndex(t, f)
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	all := f.all()
	if len(all) != 1 || all[0].Compression != "zstd" || all[0].SHA256 != b.SHA256 {
		t.Fatalf("after reindex: %+v; want the one backup, as .zst", all)
	}
	if _, err := os.Lstat(b.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the plain copy stays: %v", err)
	}
}
