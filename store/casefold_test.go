package store

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
)

// foldFS makes the folder base behave as a case-insensitive, case-preserving
// volume (APFS and HFS+ as macOS formats them, NTFS): a path names an
// existing entry that differs from it only in case. Each element below base
// is resolved against the entries that exist; new names keep their case.
type foldFS struct {
	hatomic.FS
	base string
}

func (f foldFS) fold(p string) string {
	rel, err := filepath.Rel(f.base, p)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return p
	}
	cur := f.base
	for _, e := range strings.Split(rel, string(filepath.Separator)) {
		next := filepath.Join(cur, e)
		entries, _ := os.ReadDir(cur)
		for _, d := range entries {
			if strings.EqualFold(d.Name(), e) {
				next = filepath.Join(cur, d.Name())
				break
			}
		}
		cur = next
	}
	return cur
}

func (f foldFS) OpenFile(name string, flag int, perm fs.FileMode) (hatomic.File, error) {
	return f.FS.OpenFile(f.fold(name), flag, perm)
}
func (f foldFS) Lstat(name string) (fs.FileInfo, error)    { return f.FS.Lstat(f.fold(name)) }
func (f foldFS) Stat(name string) (fs.FileInfo, error)     { return f.FS.Stat(f.fold(name)) }
func (f foldFS) Mkdir(name string, perm fs.FileMode) error { return f.FS.Mkdir(f.fold(name), perm) }
func (f foldFS) Chmod(name string, m fs.FileMode) error    { return f.FS.Chmod(f.fold(name), m) }
func (f foldFS) Remove(name string) error                  { return f.FS.Remove(f.fold(name)) }
func (f foldFS) Rename(oldpath, newpath string) error {
	return f.FS.Rename(f.fold(oldpath), f.fold(newpath))
}
func (f foldFS) RenameNoReplace(oldpath, newpath string) error {
	return f.FS.RenameNoReplace(f.fold(oldpath), f.fold(newpath))
}

// On a case-insensitive volume, a file whose name differs from the next
// backup's only in case is that name: create must move on to a free one,
// never write over it, and adoption must keep both apart.
func TestCreateCaseInsensitiveVolume(t *testing.T) {
	at := time.Date(2025, 9, 21, 10, 0, 0, 0, time.UTC)
	ts := blob.FormatTimestamp(at)
	cases := []struct {
		name    string
		planted string
		backup  bool // planted is a backup by name (adopted), or a stranger
		zst     bool // create with --compress
	}{
		{"host in upper case", "mcp.json.CURSOR." + ts, false, false},
		{"prefix in upper case", "MCP.JSON.cursor." + ts, true, false},
		{"suffix in upper case", "mcp.json.cursor." + ts + ".ZST", false, true},
		{"mixed case", "Mcp.Json.Cursor." + ts, false, false},
		{"python enum name", "mcp.json.MCPHostType.CURSOR." + ts, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			dir := filepath.Join(f.root, "cursor")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			planted := filepath.Join(dir, c.planted)
			if err := os.WriteFile(planted, []byte("planted"), 0o600); err != nil {
				t.Fatal(err)
			}
			if !c.backup {
				// Not a backup: the invariants would rightly call it
				// unindexed, so it goes before they are checked.
				t.Cleanup(func() { os.Remove(planted) })
			}
			cfg := f.config("mcp.json", []byte(`{"mcpServers": {}}`))
			s := f.open(func(o *Options) {
				o.FS = foldFS{FS: hatomic.OS(), base: f.root}
				o.Now = func() time.Time { return at }
				o.Location = time.UTC
			})
			res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg, Compress: c.zst})
			s.Close()
			if err != nil {
				t.Fatal(err)
			}
			if strings.EqualFold(filepath.Base(res.Backup.Path), c.planted) {
				t.Errorf("the new backup %s is the planted %s on this volume", res.Backup.Path, c.planted)
			}
			if data, err := os.ReadFile(planted); err != nil || string(data) != "planted" {
				t.Errorf("planted %s now holds %q (%v)", c.planted, data, err)
			}
			want := 1
			if c.backup {
				want = 2
			}
			if got := f.all(); len(got) != want {
				t.Errorf("%d backups listed, want %d", len(got), want)
			}
		})
	}
}
