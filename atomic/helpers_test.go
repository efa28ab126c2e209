package atomic

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// tmpName stands for "the temp file this operation opened" in a step.
const tmpName = "<tmp>"

// step is one expected Call: op and paths (tmpName for the temp file).
type step struct{ op, path, to string }

// assertSteps checks the recorded calls against want, step by step, and that
// the temp file was opened as the protocol demands: O_CREATE|O_EXCL, 0600,
// in tmpDir, with a name tempname.Is accepts, derived from the base of dest.
func assertSteps(t *testing.T, calls []Call, want []step, tmpDir, dest string) {
	t.Helper()
	var tmp string
	for _, c := range calls {
		if c.Op == "open" {
			tmp = c.Path
			if c.Flag&(os.O_CREATE|os.O_EXCL) != os.O_CREATE|os.O_EXCL || c.Mode != 0o600 {
				t.Errorf("temp opened with flags %#x mode %v, want O_CREATE|O_EXCL 0600", c.Flag, c.Mode)
			}
			if filepath.Dir(tmp) != tmpDir || !tempname.Is(filepath.Base(tmp)) ||
				!strings.HasPrefix(filepath.Base(tmp), "."+filepath.Base(dest)+".") {
				t.Errorf("temp %q: want a temp name for %q in %q", tmp, filepath.Base(dest), tmpDir)
			}
		}
	}
	sub := func(p string) string {
		if p == tmpName {
			return tmp
		}
		return p
	}
	for i := 0; i < max(len(calls), len(want)); i++ {
		var got, exp step
		if i < len(calls) {
			got = step{calls[i].Op, calls[i].Path, calls[i].To}
		}
		if i < len(want) {
			exp = step{want[i].op, sub(want[i].path), sub(want[i].to)}
		}
		if got != exp {
			t.Errorf("call %d: got %v, want %v", i, got, exp)
		}
	}
}

func writeFile(t *testing.T, path string, data string, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}

func assertContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, []byte(want)) {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	want = windowsMode(want, fi.IsDir())
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// windowsMode is what Go reports on Windows for a file or directory made
// with mode m: only the owner's write bit counts (the read-only attribute),
// and access control is the ACL's business (see acl_windows.go).
func windowsMode(m fs.FileMode, dir bool) fs.FileMode {
	if runtime.GOOS != "windows" {
		return m
	}
	all := fs.FileMode(0o666)
	if dir {
		all = 0o777
	}
	if m&0o200 == 0 {
		return all &^ 0o222
	}
	return all
}

func assertMissing(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists (lstat: %v), want it absent", path, err)
	}
}

// assertNoTemp fails if any temp file of this package is left in dir.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if tempname.Is(e.Name()) {
			t.Errorf("temp file left behind: %s", filepath.Join(dir, e.Name()))
		}
	}
}

// under matches the paths directly inside dir.
func under(dir string) func(string) bool {
	return func(p string) bool { return filepath.Dir(p) == dir }
}

// is matches exactly path.
func is(path string) func(string) bool {
	return func(p string) bool { return p == path }
}

var (
	symlinksOnce sync.Once
	symlinksErr  error
)

// symlink is os.Symlink for tests that need real symlinks: it skips t where
// a symlink cannot be made and read back (Windows without the privilege to
// make one; Wine, whose symlinks are not reparse points).
func symlink(t *testing.T, oldname, newname string) error {
	t.Helper()
	symlinksOnce.Do(func() {
		dir, err := os.MkdirTemp("", "symlink-probe-")
		if err != nil {
			symlinksErr = err
			return
		}
		defer os.RemoveAll(dir)
		link := filepath.Join(dir, "link")
		if symlinksErr = os.Symlink("target", link); symlinksErr == nil {
			_, symlinksErr = os.Readlink(link)
		}
	})
	if symlinksErr != nil {
		t.Skipf("no usable symlinks here: %v", symlinksErr)
	}
	return os.Symlink(oldname, newname)
}
