package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestEnsureDir(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(t *testing.T, dir string)
		parents       bool
		wantCreated   bool
		wantTightened bool
		wantMode      fs.FileMode
	}{
		{"new", nil, false, true, false, 0o700},
		{"exists exact", mkdirMode(0o700), false, false, false, 0o700},
		{"too open", mkdirMode(0o755), false, false, true, 0o700},
		{"world writable", mkdirMode(0o777), false, false, true, 0o700},
		{"tighter stays", mkdirMode(0o500), false, false, false, 0o500},
		// Tightening only removes bits: never write access for the owner.
		{"read-only for all", mkdirMode(0o555), false, false, true, 0o500},
		{"closed stays closed", mkdirMode(0o000), false, false, false, 0o000},
		{"group writable only", mkdirMode(0o370), false, false, true, 0o300},
		{"new with parents", nil, true, true, false, 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if onWindows {
				// Mode bits are not access control there: nothing is
				// tightened (see acl_windows.go for what is done instead).
				tt.wantTightened = false
				if tt.wantMode&0o200 == 0 {
					t.Skip("a read-only directory means nothing on Windows")
				}
			}
			dir := filepath.Join(t.TempDir(), "root")
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			created, tightened, err := EnsureDir(OS(), dir, 0o700, tt.parents)
			if err != nil {
				t.Fatal(err)
			}
			if created != tt.wantCreated || tightened != tt.wantTightened {
				t.Errorf("created %v tightened %v, want %v %v", created, tightened, tt.wantCreated, tt.wantTightened)
			}
			assertMode(t, dir, tt.wantMode)
		})
	}
}

// onWindows: EnsureDir never tightens an existing directory there.
const onWindows = runtime.GOOS == "windows"

func mkdirMode(mode fs.FileMode) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.Mkdir(dir, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// Missing parents are made with perm; existing ones are left as they are.
func TestEnsureDirParents(t *testing.T) {
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	a := filepath.Join(base, "a")
	leaf := filepath.Join(a, "b", "c")
	created, _, err := EnsureDir(OS(), leaf, 0o700, true)
	if err != nil || !created {
		t.Fatalf("created %v, err %v", created, err)
	}
	for _, d := range []string{a, filepath.Dir(leaf), leaf} {
		assertMode(t, d, 0o700)
	}
	assertMode(t, base, 0o755)

	// Through a symlinked parent, as with /home -> /usr/home.
	link := filepath.Join(base, "link")
	if err := symlink(t, a, link); err != nil {
		t.Fatal(err)
	}
	if _, _, err := EnsureDir(OS(), filepath.Join(link, "x", "y"), 0o700, true); err != nil {
		t.Fatal(err)
	}
	assertMode(t, filepath.Join(a, "x", "y"), 0o700)
}

func TestEnsureDirRefuses(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, base string) string
		parents bool
		want    error
	}{
		{"symlink to a directory", func(t *testing.T, base string) string {
			p := filepath.Join(base, "root")
			if err := symlink(t, t.TempDir(), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, false, ErrNotDir},
		{"dangling symlink", func(t *testing.T, base string) string {
			p := filepath.Join(base, "root")
			if err := symlink(t, filepath.Join(base, "gone"), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, true, ErrNotDir},
		{"file", func(t *testing.T, base string) string {
			p := filepath.Join(base, "root")
			writeFile(t, p, "x", 0o600)
			return p
		}, false, ErrNotDir},
		{"missing parent", func(t *testing.T, base string) string {
			return filepath.Join(base, "missing", "root")
		}, false, ErrNoDir},
		{"parent is a file", func(t *testing.T, base string) string {
			writeFile(t, filepath.Join(base, "file"), "x", 0o600)
			return filepath.Join(base, "file", "root")
		}, false, ErrNoDir},
		{"parent is a file, with parents", func(t *testing.T, base string) string {
			writeFile(t, filepath.Join(base, "file"), "x", 0o600)
			return filepath.Join(base, "file", "sub", "root")
		}, true, ErrNotDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dir := tt.setup(t, base)
			before := snapshot(t, base)
			_, _, err := EnsureDir(OS(), dir, 0o700, tt.parents)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if after := snapshot(t, base); after != before {
				t.Errorf("the tree changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func TestEnsureDirCallOrder(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	rec := NewRecorder(OS())
	if _, _, err := EnsureDir(rec, dir, 0o700, false); err != nil {
		t.Fatal(err)
	}
	want := []step{{"lstat", dir, ""}, {"mkdir", dir, ""}, {"chmod", dir, ""}, {"syncdir", base, ""}}
	assertSteps(t, rec.Calls(), want, "", "")
}

// A directory another process creates between the check and the mkdir is
// judged as an existing one.
func TestEnsureDirLostRace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "root")
	rival := &raceFS{FS: OS(), onMkdir: func() { mkdirMode(0o755)(t, dir) }}
	created, tightened, err := EnsureDir(rival, dir, 0o700, false)
	if err != nil || created || tightened == onWindows {
		t.Fatalf("created %v tightened %v err %v, want false true nil", created, tightened, err)
	}
	assertMode(t, dir, 0o700)
}

// raceFS runs onMkdir just before each Mkdir, to stage a rival.
type raceFS struct {
	FS
	onMkdir func()
}

func (r *raceFS) Mkdir(name string, perm fs.FileMode) error {
	r.onMkdir()
	return r.FS.Mkdir(name, perm)
}
