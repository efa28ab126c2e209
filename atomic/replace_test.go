package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestReplaceFile(t *testing.T) {
	tests := []struct {
		name     string
		existing bool
		oldMode  fs.FileMode
		perm     fs.FileMode
		wantMode fs.FileMode
	}{
		{"new file gets perm", false, 0, 0o600, 0o600},
		{"new file wider perm", false, 0, 0o644, 0o644},
		{"keeps 0644", true, 0o644, 0o600, 0o644},
		{"keeps 0640", true, 0o640, 0o600, 0o640},
		{"keeps 0600", true, 0o600, 0o644, 0o600},
		{"keeps read-only 0400", true, 0o400, 0o600, 0o400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "claude_desktop_config.json")
			if tt.existing {
				writeFile(t, path, `{"old":true}`, tt.oldMode)
			}
			if err := ReplaceFile(OS(), path, []byte(`{"new":true}`), tt.perm); err != nil {
				t.Fatal(err)
			}
			assertContent(t, path, `{"new":true}`)
			assertMode(t, path, tt.wantMode)
			assertNoTemp(t, dir)
		})
	}
}

// Dotfile managers make configs symlinks: the write goes to the resolved
// file, in its own directory, and the link stays a link.
func TestReplaceFileThroughSymlink(t *testing.T) {
	tests := []struct {
		name string
		link func(linkDir, target string) string // returns the link's content
	}{
		{"absolute", func(_, target string) string { return target }},
		{"relative", func(linkDir, target string) string {
			rel, _ := filepath.Rel(linkDir, target)
			return rel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			linkDir, dotfiles := filepath.Join(root, "config"), filepath.Join(root, "dotfiles")
			for _, d := range []string{linkDir, dotfiles} {
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			target := filepath.Join(dotfiles, "mcp.json")
			writeFile(t, target, "old", 0o640)
			link := filepath.Join(linkDir, "mcp.json")
			linkText := tt.link(linkDir, target)
			if err := symlink(t, linkText, link); err != nil {
				t.Fatal(err)
			}

			if err := ReplaceFile(OS(), link, []byte("new"), 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := os.Readlink(link); err != nil || got != linkText {
				t.Errorf("link now reads %q (%v), want it kept as %q", got, err, linkText)
			}
			assertContent(t, target, "new")
			assertMode(t, target, 0o640)
			assertNoTemp(t, linkDir)
			assertNoTemp(t, dotfiles)
		})
	}
}

func TestReplaceFileSymlinkChain(t *testing.T) {
	dir := t.TempDir()
	target, mid, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "mid"), filepath.Join(dir, "link")
	writeFile(t, target, "old", 0o600)
	if err := symlink(t, target, mid); err != nil {
		t.Fatal(err)
	}
	if err := symlink(t, mid, link); err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(OS())
	if err := ReplaceFile(rec, link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, target, "new")
	for _, l := range []string{mid, link} {
		if fi, err := os.Lstat(l); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink (%v)", l, err)
		}
	}
	assertSteps(t, rec.Calls(), []step{
		{"lstat", link, ""},
		{"evalsymlinks", link, ""},
		{"stat", target, ""},
		{"open", tmpName, ""},
		{"write", tmpName, ""},
		{"chmod", tmpName, ""},
		{"sync", tmpName, ""},
		{"close", tmpName, ""},
		{"rename", tmpName, target},
		{"syncdir", dir, ""},
	}, dir, target)
}

func TestReplaceFileCallOrder(t *testing.T) {
	tests := []struct {
		name     string
		existing bool
		pre      []step // what precedes the write protocol
	}{
		{"existing", true, []step{{"lstat", "PATH", ""}}},
		{"new", false, []step{{"lstat", "PATH", ""}, {"stat", "DIR", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "settings.json")
			if tt.existing {
				writeFile(t, path, "old", 0o644)
			}
			rec := NewRecorder(OS())
			if err := ReplaceFile(rec, path, []byte("new"), 0o600); err != nil {
				t.Fatal(err)
			}
			var want []step
			for _, s := range tt.pre {
				want = append(want, step{s.op, map[string]string{"PATH": path, "DIR": dir}[s.path], ""})
			}
			want = append(want,
				step{"open", tmpName, ""},
				step{"write", tmpName, ""},
				step{"chmod", tmpName, ""},
				step{"sync", tmpName, ""},
				step{"close", tmpName, ""},
				step{"rename", tmpName, path},
				step{"syncdir", dir, ""},
			)
			assertSteps(t, rec.Calls(), want, dir, path)
		})
	}
}

func TestReplaceFileRefuses(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to replace
		want  []error
	}{
		{"directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			return p
		}, []error{ErrNotRegular}},
		{"symlink to directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := symlink(t, t.TempDir(), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, []error{ErrNotRegular}},
		{"missing directory", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "missing", "config.json")
		}, []error{ErrNoDir}},
		{"parent is a file", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "file"), "", 0o600)
			return filepath.Join(dir, "file", "config.json")
		}, []error{ErrNoDir}},
		{"dangling symlink", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := symlink(t, filepath.Join(dir, "gone.json"), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, []error{ErrDanglingSymlink, fs.ErrNotExist}},
		{"symlink into a missing directory", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := symlink(t, filepath.Join(dir, "nodir", "gone.json"), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, []error{ErrDanglingSymlink}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := snapshot(t, dir)
			err := ReplaceFile(OS(), path, []byte("new"), 0o600)
			if err == nil {
				t.Fatal("ReplaceFile succeeded")
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("got %v, want it to match %v", err, want)
				}
			}
			if after := snapshot(t, dir); after != before {
				t.Errorf("the tree changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshot describes every entry under dir (names, types, modes, content).
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var s string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		s += p + " " + fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s += " " + string(b)
		}
		s += "\n"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
