package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
)

// The states an interrupted compact leaves, made by hand on a real store:
// reindex (or the first build, when the index is lost too) must end with
// one backup per pair, its original path kept, and verify clean.
func TestReindexFinishesInterruptedCompact(t *testing.T) {
	data := []byte(`{"mcpServers": {"a": {"command": "npx"}}}`)
	other := []byte(`{"mcpServers": {"b": {"command": "uvx"}}}`)
	tests := []struct {
		name string
		// make turns a store holding backup b (plain, of data) into the
		// crash state.
		make func(t *testing.T, f *fixture, b Backup)
		// lost: the index is gone too, so the original path is.
		lost bool
		// backups is how many backups must list afterwards; kind is what
		// verify says of the leftover before the repair.
		backups int
		kind    ProblemKind
		// rebuild repairs through a plain open instead of reindex.
		rebuild bool
	}{
		{name: "zst published, index names the plain file", backups: 1, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				writeAt(t, b.Path+blob.ZstdSuffix, blob.Compress(data), b.Created)
			}},
		{name: "index names the zst, plain file left", backups: 1, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				compactAll(t, f)
				writeAt(t, b.Path, data, b.Created)
			}},
		{name: "index lost, both files", lost: true, backups: 1, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				writeAt(t, b.Path+blob.ZstdSuffix, blob.Compress(data), b.Created)
				removeIndex(t, f)
			}},
		{name: "index lost, both files, first open", lost: true, backups: 1, kind: ProblemInterruptedCompact, rebuild: true,
			make: func(t *testing.T, f *fixture, b Backup) {
				writeAt(t, b.Path+blob.ZstdSuffix, blob.Compress(data), b.Created)
				removeIndex(t, f)
			}},
		{name: "zst of other bytes beside the indexed plain file", backups: 2, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				writeAt(t, b.Path+blob.ZstdSuffix, blob.Compress(other), b.Created)
			}},
		{name: "plain file of other bytes beside the indexed zst", backups: 2, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				compactAll(t, f)
				writeAt(t, b.Path, other, b.Created)
			}},
		{name: "index lost, both files of other bytes", lost: true, backups: 2, kind: ProblemInterruptedCompact,
			make: func(t *testing.T, f *fixture, b Backup) {
				writeAt(t, b.Path+blob.ZstdSuffix, blob.Compress(other), b.Created)
				removeIndex(t, f)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			p := f.config("mcp.json", data)
			b := f.create("cursor", p, func(o *Options) { o.Now = fixedClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)) })
			nb := f.newer(p, b)
			tt.backups++ // the newer one
			tt.make(t, f, b)

			v := f.verify()
			if len(v.Problems) == 0 {
				t.Fatal("verify found nothing")
			}
			for _, pr := range v.Problems {
				if tt.lost && pr.Kind == ProblemUnindexed && pr.Path == nb.Path {
					continue // the newer backup, with the index lost
				}
				if pr.Kind != tt.kind || !strings.Contains(pr.Detail, "reindex") {
					t.Errorf("verify: %s, want %s advising reindex", pr, tt.kind)
				}
			}

			if tt.rebuild {
				f.all() // the implicit build of a read-only command
			} else {
				res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
				if err != nil || len(res.Problems) > 0 {
					t.Fatalf("reindex: %v %v", err, res.Problems)
				}
			}
			if v := f.verify(); len(v.Problems) > 0 {
				t.Fatalf("verify after the repair: %v", v.Problems)
			}
			f.checkOne(b, data, tt.lost, tt.backups)

			// Later compacts and reindexes keep it so.
			compactAll(t, f)
			if res, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil || len(res.Problems) > 0 {
				t.Fatalf("second reindex: %v %v", err, res.Problems)
			}
			f.checkOne(b, data, tt.lost, tt.backups)
		})
	}
}

// checkOne: the store lists want backups, and the one at b's timestamp
// holds data and, unless its index was lost, b's original path.
func (f *fixture) checkOne(b Backup, data []byte, lost bool, want int) {
	f.t.Helper()
	all := f.all()
	if len(all) != want {
		f.t.Fatalf("%d backups listed, want %d: %v", len(all), want, all)
	}
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	got, err := s.Get(context.Background(), b.Host, b.Timestamp)
	if err != nil {
		f.t.Fatal(err)
	}
	if read, err := s.Read(got); err != nil || string(read) != string(data) {
		f.t.Errorf("backup %s reads %q, %v", got.Path, read, err)
	}
	if !lost && got.OriginalPath != b.OriginalPath {
		f.t.Errorf("original path %q, want %q", got.OriginalPath, b.OriginalPath)
	}
	if !got.Created.Equal(b.Created) {
		f.t.Errorf("instant %v, want %v", got.Created, b.Created)
	}
}

func (f *fixture) verify() VerifyResult {
	f.t.Helper()
	s := f.open(func(o *Options) { o.Inspect = true })
	defer s.Close()
	v, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// newer backs up other content of the config at p an hour after b, so
// that b is not the newest of its config (which compact leaves plain).
// p keeps its content.
func (f *fixture) newer(p string, b Backup) Backup {
	f.t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		f.t.Fatal(err)
	}
	os.WriteFile(p, []byte(`{"mcpServers": {"newer": {"command": "npx"}}}`), 0o600)
	defer os.WriteFile(p, data, 0o600)
	return f.create(b.Host, p, func(o *Options) { o.Now = fixedClock(b.Created.Add(time.Hour)) })
}

func compactAll(t *testing.T, f *fixture) {
	t.Helper()
	s := f.open()
	defer s.Close()
	if _, err := s.Compact(context.Background(), CompactOptions{}); err != nil {
		t.Fatal(err)
	}
}

func removeIndex(t *testing.T, f *fixture) {
	t.Helper()
	if err := os.Remove(filepath.Join(f.root, IndexFile)); err != nil {
		t.Fatal(err)
	}
}

// writeAt writes a backup file dated at as hatch-backup dates its own.
func writeAt(t *testing.T, p string, data []byte, at time.Time) {
	t.Helper()
	if err := os.WriteFile(p, data, FileMode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, at, at); err != nil {
		t.Fatal(err)
	}
}

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone %s here: %v", name, err)
	}
	return loc
}

// Backups made under UTC, then under New York (an older instant with a
// later wall clock first): after the index is lost, reindex in New York
// must give each its exact instant, so the newer stays the latest.
func TestReindexAfterZoneChange(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"v": 1}`))
	t1 := time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC) // named 20250601_120000_123456
	b1 := f.create("cursor", p, func(o *Options) { o.Now, o.Location = fixedClock(t1), time.UTC })
	os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
	t2 := t1.Add(time.Hour) // named 20250601_090000_123456 in New York
	b2 := f.create("cursor", p, func(o *Options) { o.Now, o.Location = fixedClock(t2), ny })
	if b1.Timestamp < b2.Timestamp {
		t.Fatalf("the setup wants the older backup named later: %s, %s", b1.Timestamp, b2.Timestamp)
	}
	removeIndex(t, f)
	opts := f.opts
	opts.Location = ny
	if res, err := Reindex(context.Background(), opts, ReindexOptions{}); err != nil || len(res.Problems) > 0 {
		t.Fatalf("reindex: %v %v", err, res.Problems)
	}
	s := f.open(func(o *Options) { o.UpgradingReader, o.Location = true, ny })
	defer s.Close()
	latest, err := s.Latest(context.Background(), "cursor")
	if err != nil {
		t.Fatal(err)
	}
	if latest.Timestamp != b2.Timestamp {
		t.Errorf("latest is %s, want %s", latest.Timestamp, b2.Timestamp)
	}
	for _, want := range []Backup{b1, b2} {
		got, err := s.Get(context.Background(), "cursor", want.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Created.Equal(want.Created) {
			t.Errorf("%s: instant %v, want %v", want.Timestamp, got.Created, want.Created)
		}
	}
}

// Compact dates the .zst with the backup's instant too.
func TestCompactDatesTheZstd(t *testing.T) {
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"v": 1}`))
	at := time.Date(2025, 6, 1, 12, 0, 0, 123456000, time.UTC)
	b := f.create("cursor", p, func(o *Options) { o.Now = fixedClock(at) })
	f.newer(p, b)
	compactAll(t, f)
	fi, err := os.Stat(b.Path + blob.ZstdSuffix)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(at) {
		t.Errorf("the .zst is dated %v, want %v", fi.ModTime().UTC(), at)
	}
}

// A backup file not written by hatch-backup: a name's zone comes from its
// mtime when they agree under a real offset, else from Options.Location.
func TestAdoptReadsZoneFromMtime(t *testing.T) {
	kolkata := mustZone(t, "Asia/Kolkata") // +05:30
	instant := time.Date(2025, 2, 3, 4, 5, 6, 789012000, time.UTC)
	ts := blob.FormatTimestamp(instant.In(kolkata))
	inUTC, _ := blob.ParseTimestamp(ts, time.UTC)
	tests := []struct {
		name  string
		mtime time.Time
		want  time.Time
	}{
		{"Python Hatch, dated just after its name", instant.Add(1500 * time.Millisecond), instant},
		{"FAT, dated 2 s early", instant.Add(-2 * time.Second), instant},
		{"exact", instant, instant},
		{"copied later: the store's zone", instant.Add(3*time.Hour + 7*time.Minute + 11*time.Second), inUTC},
		{"too far off the quarter hour", instant.Add(9 * time.Second), inUTC},
		{"an offset past UTC+14", inUTC.Add(-14*time.Hour - 15*time.Minute), inUTC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			dir := filepath.Join(f.root, "cursor")
			os.MkdirAll(dir, 0o700)
			writeAt(t, filepath.Join(dir, "mcp.json.cursor."+ts), []byte(`{}`), tt.mtime)
			all := f.all()
			if len(all) != 1 {
				t.Fatalf("%d backups", len(all))
			}
			if !all[0].Created.Equal(tt.want) {
				t.Errorf("instant %v, want %v", all[0].Created, tt.want)
			}
		})
	}
}

func TestInstantOf(t *testing.T) {
	s := newStore(Options{Root: t.TempDir(), Location: time.UTC})
	ts := "20250101_120000_000001"
	wall, _ := blob.ParseTimestamp(ts, time.UTC)
	for _, off := range []time.Duration{-12 * time.Hour, -3*time.Hour - 30*time.Minute, 0, 5*time.Hour + 45*time.Minute, 14 * time.Hour} {
		got, err := s.instantOf(ts, wall.Add(-off).UnixNano())
		if err != nil || !got.Equal(wall.Add(-off)) {
			t.Errorf("offset %v: %v %v", off, got, err)
		}
	}
	if got, _ := s.instantOf(ts, 0); !got.Equal(wall) {
		t.Errorf("no mtime: %v", got)
	}
}

// A plain copy beside a damaged .zst is the only good copy: neither
// compact nor reindex removes it, and reindex adopts it.
func TestPlainCopyOfDamagedZstdKept(t *testing.T) {
	f := newFixture(t)
	data := []byte(`{"mcpServers": {"a": {"command": "npx"}}}`)
	p := f.config("mcp.json", data)
	b := f.create("cursor", p)
	f.newer(p, b)
	compactAll(t, f)
	z := b.Path + blob.ZstdSuffix
	damaged := blob.Compress([]byte(`{"mcpServers": {}}`))
	writeAt(t, z, damaged, b.Created)
	writeAt(t, b.Path, data, b.Created)

	s := f.open()
	_, err := s.Compact(context.Background(), CompactOptions{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.Path); err != nil {
		t.Fatalf("compact removed the only good copy: %v", err)
	}
	res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(b.Path); err != nil {
		t.Fatalf("reindex removed the only good copy: %v", err)
	}
	if len(res.Adopted) != 1 || res.Adopted[0].Path != b.Path {
		t.Errorf("reindex adopted %v, want the plain copy", res.Adopted)
	}
	// The fixture's invariants want no damage left.
	os.RemoveAll(filepath.Join(f.root, "cursor"))
	os.Remove(filepath.Join(f.root, IndexFile))
}
