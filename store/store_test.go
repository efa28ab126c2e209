package store

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// clock is an injectable clock that moves by step on every reading.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

// unixModes: file modes are access control here (not on Windows).
const unixModes = runtime.GOOS != "windows"

// fixture is a backup root plus a folder of configs, both temporary.
type fixture struct {
	t    *testing.T
	root string
	dir  string
	opts Options
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	env := fakeEnv(runtime.GOOS, map[string]string{"HOME": home, "USERPROFILE": home})
	f := &fixture{t: t, root: filepath.Join(tmp, "backups"), dir: filepath.Join(tmp, "configs")}
	f.opts = Options{Root: f.root, LockTimeout: 5 * time.Second, Env: &env}
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { checkInvariants(t, f.root) })
	return f
}

// open opens the store for one operation; the test closes it.
func (f *fixture) open(mod ...func(*Options)) *Store {
	f.t.Helper()
	o := f.opts
	for _, m := range mod {
		m(&o)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		f.t.Fatalf("open: %v", err)
	}
	return s
}

// config writes a config file and returns its path.
func (f *fixture) config(name string, data []byte) string {
	f.t.Helper()
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		f.t.Fatal(err)
	}
	return p
}

// create backs up path as host in its own store session.
func (f *fixture) create(host, path string, mod ...func(*Options)) Backup {
	f.t.Helper()
	s := f.open(mod...)
	defer s.Close()
	res, err := s.Create(context.Background(), CreateOptions{Host: host, ConfigPath: path})
	if err != nil {
		f.t.Fatalf("create: %v", err)
	}
	return res.Backup
}

// all lists every backup, newest first.
func (f *fixture) all() []Backup {
	f.t.Helper()
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	var out []Backup
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			f.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkInvariants is run after every store test: the index passes bbolt's
// check, every indexed backup reads back with its checksum, every backup
// file is indexed, nothing else is left in the host folders, and modes are
// 0700/0600.
func checkInvariants(t *testing.T, root string) {
	t.Helper()
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return
	}
	s, err := Open(context.Background(), Options{Root: root, UpgradingReader: true, LockTimeout: 5 * time.Second})
	if err != nil {
		t.Errorf("invariants: open: %v", err)
		return
	}
	defer s.Close()
	if s.db != nil {
		if err := s.db.Check(); err != nil {
			t.Errorf("invariants: index check: %v", err)
		}
	}
	indexed := map[string]bool{}
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			t.Errorf("invariants: list: %v", err)
			return
		}
		indexed[b.Path] = true
		if _, err := s.Read(b); err != nil {
			t.Errorf("invariants: %v", err)
		}
	}
	for _, h := range HostNames() {
		dir := filepath.Join(root, h)
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		// Windows has no mode bits to check: the owner-only ACL stands in
		// for them (atomic's Windows tests check it).
		if fi, _ := os.Stat(dir); unixModes && fi.Mode().Perm() != DirMode {
			t.Errorf("invariants: %s has mode %v", dir, fi.Mode().Perm())
		}
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if !indexed[p] {
				t.Errorf("invariants: %s is not indexed", p)
			}
			if fi, _ := os.Lstat(p); unixModes && fi.Mode().Perm() != FileMode {
				t.Errorf("invariants: %s has mode %v", p, fi.Mode().Perm())
			}
		}
	}
}

func TestCreateReadRoundTrip(t *testing.T) {
	f := newFixture(t)
	big := bytes.Repeat([]byte(`{"k": "v"},`), 100_000)
	for _, c := range []struct {
		name     string
		data     []byte
		compress bool
	}{
		{"empty", nil, false},
		{"empty zstd", nil, true},
		{"5KB", bytes.Repeat([]byte("x"), 5<<10), false},
		{"5KB zstd", bytes.Repeat([]byte("x"), 5<<10), true},
		{"1MB zstd", big, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := f.config("c.json", c.data)
			s := f.open()
			defer s.Close()
			res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p, Compress: c.compress})
			if err != nil {
				t.Fatal(err)
			}
			b := res.Backup
			if c.compress != strings.HasSuffix(b.Path, ".zst") || b.OriginalPath != p || b.OriginalSize != int64(len(c.data)) {
				t.Errorf("backup %+v", b)
			}
			if fi, _ := os.Stat(b.Path); fi.Size() != b.FileSize {
				t.Errorf("file size %d, indexed %d", fi.Size(), b.FileSize)
			}
			got, err := s.Read(b)
			if err != nil || !bytes.Equal(got, c.data) {
				t.Fatalf("read back: %v", err)
			}
			latest, err := s.Latest(context.Background(), "cursor")
			if err != nil || latest.Path != b.Path {
				t.Errorf("latest: %v %v", latest.Path, err)
			}
			byTS, err := s.Get(context.Background(), "cursor", b.Timestamp)
			if err != nil || byTS.Path != b.Path {
				t.Errorf("get: %v %v", byTS.Path, err)
			}
		})
	}
}

// TestCreateSameMicrosecond: creates at one frozen instant all survive,
// each at the next free microsecond, plain and compressed alike.
func TestCreateSameMicrosecond(t *testing.T) {
	f := newFixture(t)
	c := &clock{t: time.Date(2025, 9, 21, 10, 0, 0, 123456000, time.UTC)}
	p := f.config("c.json", []byte("{}"))
	utc := func(o *Options) { o.Now = c.Now; o.Location = time.UTC }
	var names []string
	for i := range 4 {
		s := f.open(utc)
		res, err := s.Create(context.Background(), CreateOptions{Host: "vscode", ConfigPath: p, Compress: i%2 == 1})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, filepath.Base(res.Backup.Path))
	}
	want := []string{
		"mcp.json.vscode.20250921_100000_123456",
		"mcp.json.vscode.20250921_100000_123457.zst",
		"mcp.json.vscode.20250921_100000_123458",
		"mcp.json.vscode.20250921_100000_123459.zst",
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("names:\n%v\nwant\n%v", names, want)
	}
	if n := len(f.all()); n != 4 {
		t.Errorf("%d indexed, want 4", n)
	}
}

// TestCreateDSTFallBack: 01:30 happens twice in New York on 2025-11-02. The
// second backup's name moves to the next microsecond; each is found by its
// own timestamp, and order follows the instant.
func TestCreateDSTFallBack(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	f := newFixture(t)
	p := f.config("c.json", []byte("{}"))
	first := time.Date(2025, 11, 2, 5, 30, 0, 0, time.UTC) // 01:30 EDT
	second := first.Add(time.Hour)                         // 01:30 EST
	a := f.create("cursor", p, func(o *Options) { o.Now = func() time.Time { return first }; o.Location = ny })
	b := f.create("cursor", p, func(o *Options) { o.Now = func() time.Time { return second }; o.Location = ny })
	if a.Timestamp != "20251102_013000_000000" || b.Timestamp != "20251102_013000_000001" {
		t.Fatalf("timestamps %s, %s", a.Timestamp, b.Timestamp)
	}
	s := f.open(func(o *Options) { o.Location = ny; o.UpgradingReader = true })
	defer s.Close()
	for _, want := range []Backup{a, b} {
		got, err := s.Get(context.Background(), "cursor", want.Timestamp)
		if err != nil || !got.Created.Equal(want.Created) {
			t.Errorf("get %s: %v %v", want.Timestamp, got.Created, err)
		}
	}
	latest, _ := s.Latest(context.Background(), "cursor")
	if !latest.Created.Equal(b.Created) || b.Created.Before(second) {
		t.Errorf("latest is %v, want the later backup %v", latest.Created, b.Created)
	}
}

// TestGetAfterZoneChange: a backup named in one zone is still found by its
// timestamp after the machine moved to a zone 14 hours away.
func TestGetAfterZoneChange(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte("{}"))
	b := f.create("codex", p, func(o *Options) { o.Location = time.FixedZone("west", -10*3600) })
	s := f.open(func(o *Options) { o.Location = time.FixedZone("east", 4*3600); o.UpgradingReader = true })
	defer s.Close()
	got, err := s.Get(context.Background(), "codex", b.Timestamp)
	if err != nil || got.Path != b.Path {
		t.Fatalf("get after zone change: %v", err)
	}
}

func TestListTimeRange(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte("{}"))
	c := &clock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), step: time.Hour}
	withClock := func(o *Options) { o.Now = c.Now }
	for range 5 {
		f.create("cursor", p, withClock)
		f.create("kiro", p, withClock)
	}
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	at := func(h int) time.Time { return time.Date(2025, 1, 1, h, 0, 0, 0, time.UTC) }
	cases := []struct {
		q    Query
		want []int // hours of the results, newest first
	}{
		{Query{}, []int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}},
		{Query{Hosts: []string{"cursor"}}, []int{8, 6, 4, 2, 0}},
		{Query{Hosts: []string{"kiro"}, Limit: 2}, []int{9, 7}},
		{Query{Since: at(3), Until: at(6)}, []int{6, 5, 4, 3}},
		{Query{Hosts: []string{"cursor", "kiro"}, Since: at(7)}, []int{9, 8, 7}},
		{Query{Until: at(0)}, []int{0}},
		{Query{Since: at(10)}, nil},
	}
	for _, c := range cases {
		var got []int
		for b, err := range s.List(context.Background(), c.q) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, b.Created.Hour())
		}
		if len(got) != len(c.want) {
			t.Errorf("%+v: got %v, want %v", c.q, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%+v: got %v, want %v", c.q, got, c.want)
				break
			}
		}
	}
	for _, bad := range []Query{{Hosts: []string{"VSCode"}}, {Limit: -1}, {Since: at(5), Until: at(1)}} {
		for _, err := range s.List(context.Background(), bad) {
			if err == nil || !(errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnknownHost)) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
	}
}

func TestUpgradingReaderOfMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nothing-here")
	s, err := Open(context.Background(), Options{Root: root, UpgradingReader: true})
	if err != nil {
		t.Fatal(err)
	}
	for range s.List(context.Background(), Query{}) {
		t.Error("listed a backup in a store that does not exist")
	}
	if _, err := s.Latest(context.Background(), "cursor"); !errors.Is(err, ErrNotFound) {
		t.Errorf("latest: %v", err)
	}
	s.Close()
	if _, err := os.Stat(root); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a read-only open created the root")
	}
}

func TestCreateBadConfig(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	defer s.Close()
	for _, c := range []struct {
		path string
		want error
	}{
		{filepath.Join(f.dir, "missing.json"), ErrConfigMissing},
		{f.dir, ErrInvalid},
		{"/dev/null", ErrInvalid},
	} {
		if c.path == "/dev/null" && !unixModes {
			continue // no /dev on Windows
		}
		_, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: c.path})
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: %v, want %v naming the path", c.path, err, c.want)
		}
	}
	if _, err := s.Create(context.Background(), CreateOptions{Host: "Cursor"}); !errors.Is(err, ErrUnknownHost) {
		t.Errorf("unknown host: %v", err)
	}
}

// recorder opens the store through a Recorder seam.
func (f *fixture) recorder() (*hatomic.Recorder, func(*Options)) {
	r := hatomic.NewRecorder(hatomic.OS())
	return r, func(o *Options) { o.FS = r }
}

// protocol keeps the calls of the write protocol (no stats, no reads).
func protocol(calls []hatomic.Call, root string) []string {
	var out []string
	for _, c := range calls {
		switch c.Op {
		case "lstat", "stat", "evalsymlinks", "read", "fstat":
			continue
		}
		if c.Op == "open" && c.Flag&(os.O_WRONLY|os.O_RDWR) == 0 {
			out = append(out, "read-open "+shorten(c.Path, root))
			continue
		}
		line := c.Op + " " + shorten(c.Path, root)
		if c.To != "" {
			line += " -> " + shorten(c.To, root)
		}
		out = append(out, line)
	}
	return out
}

// shorten replaces temp names by TEMP and the root by ROOT, so sequences
// compare as text.
func shorten(p, root string) string {
	if tempname.Is(filepath.Base(p)) {
		p = filepath.Join(filepath.Dir(p), "TEMP")
	}
	if rest, ok := strings.CutPrefix(p, root); ok {
		return "ROOT" + filepath.ToSlash(rest)
	}
	return p
}

func TestCreateSyscallOrder(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"mcpServers": {}}`))
	rec, seam := f.recorder()
	c := &clock{t: time.Date(2025, 9, 21, 10, 0, 0, 0, time.UTC)}
	s := f.open(seam, func(o *Options) { o.Now = c.Now; o.Location = time.UTC })
	rec.Reset()
	if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	name := "ROOT/cursor/mcp.json.cursor.20250921_100000_000000"
	want := []string{
		"read-open " + p,
		"close " + p,
		"mkdir ROOT/cursor",
		"chmod ROOT/cursor",
		"syncdir ROOT", // the new host folder's entry is durable
		"open ROOT/cursor/TEMP",
		"write ROOT/cursor/TEMP",
		"chmod ROOT/cursor/TEMP",   // the final mode, made durable by the fsync
		"chtimes ROOT/cursor/TEMP", // dated with the backup's instant, durable too
		"sync ROOT/cursor/TEMP",
		"close ROOT/cursor/TEMP",
		"rename-noreplace ROOT/cursor/TEMP -> " + name,
		"syncdir ROOT/cursor",
	}
	got := protocol(rec.Calls(), f.root)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("create's calls:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range rec.Calls() {
		if c.Op == "open" && c.Flag&(os.O_WRONLY|os.O_RDWR) != 0 && c.Flag&os.O_EXCL == 0 {
			t.Errorf("temp file opened without O_EXCL: %+v", c)
		}
	}
}

func TestRestoreSyscallOrder(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	b := f.create("cursor", p)
	os.WriteFile(p, []byte(`{"v": 2}`), 0o640)
	os.Chmod(p, 0o640)
	rec, seam := f.recorder()
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := f.open(seam, func(o *Options) { o.Now = c.Now; o.Location = time.UTC })
	rec.Reset()
	if _, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	safety := "ROOT/cursor/mcp.json.cursor.20300101_000000_000000"
	want := []string{
		"read-open " + shorten(b.Path, f.root), // verify the backup first
		"close " + shorten(b.Path, f.root),
		"read-open " + p, // the current content, for the safety backup
		"close " + p,
		"open ROOT/cursor/TEMP",
		"write ROOT/cursor/TEMP",
		"chmod ROOT/cursor/TEMP",
		"chtimes ROOT/cursor/TEMP",
		"sync ROOT/cursor/TEMP",
		"close ROOT/cursor/TEMP",
		"rename-noreplace ROOT/cursor/TEMP -> " + safety,
		"syncdir ROOT/cursor",
		"open " + filepath.Join(f.dir, "TEMP"), // then the live config
		"write " + filepath.Join(f.dir, "TEMP"),
		"chmod " + filepath.Join(f.dir, "TEMP"), // the target's own mode
		"sync " + filepath.Join(f.dir, "TEMP"),
		"close " + filepath.Join(f.dir, "TEMP"),
		"rename " + filepath.Join(f.dir, "TEMP") + " -> " + p,
		"syncdir " + f.dir,
	}
	got := protocol(rec.Calls(), f.root)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("restore's calls:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 1}` {
		t.Errorf("restored %q", data)
	}
	if m := mustMode(t, p); unixModes && m != 0o640 {
		t.Errorf("restore changed the mode to %v", m)
	}
}

func mustMode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestUpgradingReader: what the option's name says. A store with an
// index opens for reading only (a write is ErrReadOnly); one whose index
// was lost is upgraded first: the index is built from the files, and the
// store comes back open for writing.
func TestUpgradingReader(t *testing.T) {
	f := newFixture(t)
	cfg := f.config("mcp.json", []byte(`{"mcpServers":{}}`))
	f.create("cursor", cfg)
	reader := func(o *Options) { o.UpgradingReader = true }

	s := f.open(reader)
	_, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg})
	s.Close()
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("create through a reader of an up-to-date store: %v, want ErrReadOnly", err)
	}

	if err := os.Remove(filepath.Join(f.root, IndexFile)); err != nil {
		t.Fatal(err)
	}
	s = f.open(reader)
	defer s.Close()
	if _, err := os.Stat(filepath.Join(f.root, IndexFile)); err != nil {
		t.Fatalf("the reader did not build the lost index: %v", err)
	}
	if _, err := s.Latest(context.Background(), "cursor"); err != nil {
		t.Errorf("latest after the upgrade: %v", err)
	}
	if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg}); err != nil {
		t.Errorf("an upgraded reader is open for writing, but create said %v", err)
	}
}
