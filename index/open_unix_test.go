//go:build unix

package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenSymlink(t *testing.T) {
	real, _ := writeIndex(t, 3)
	before := fileBytes(t, real)
	dir := t.TempDir()
	cases := map[string]string{
		"to an index":    real,
		"dangling":       filepath.Join(dir, "nowhere.db"),
		"relative, self": "index.db",
	}
	for name, target := range cases {
		for _, ro := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/readonly=%v", name, ro), func(t *testing.T) {
				link := filepath.Join(t.TempDir(), "index.db")
				if err := os.Symlink(target, link); err != nil {
					t.Fatal(err)
				}
				db, err := Open(link, Options{ReadOnly: ro})
				if err == nil {
					db.Close()
				}
				wantErr(t, err, ErrCorrupt)
				if !strings.Contains(err.Error(), "symlink") || !strings.Contains(err.Error(), link) {
					t.Errorf("message %q does not say %s is a symlink", err, link)
				}
				if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
					t.Errorf("the symlink was replaced: %v", err)
				}
			})
		}
	}
	assertUnchanged(t, real, before)
	if _, err := os.Lstat(filepath.Join(dir, "nowhere.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a dangling symlink's target was created")
	}
}

// TestOpenerRefusesSymlink covers the race Lstat cannot: a symlink appears
// between the look and the open.
func TestOpenerRefusesSymlink(t *testing.T) {
	real, _ := writeIndex(t, 3)
	link := filepath.Join(t.TempDir(), "index.db")
	os.Symlink(real, link)
	_, err := openBolt(link, false, false, tryOnce)
	wantErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), "symlink") {
		t.Errorf("message %q does not say symlink", err)
	}
}

// The umask tests change the process umask: they do not run in parallel.
func TestNewFilesAre0600(t *testing.T) {
	for _, umask := range []int{0o000, 0o022, 0o077, 0o277} {
		t.Run("umask "+strconvOct(umask), func(t *testing.T) {
			old := syscall.Umask(umask)
			defer syscall.Umask(old)
			dir := t.TempDir()
			os.Chmod(dir, 0o700) // 0277 would leave the test unable to write
			db, err := Open(filepath.Join(dir, "index.db"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			l, err := AcquireLock(filepath.Join(dir, "lock"), true, 0)
			if err != nil {
				t.Fatal(err)
			}
			l.Release()
			for _, name := range []string{"index.db", "lock"} {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %o, want 600", name, fi.Mode().Perm())
				}
			}
		})
	}
}

func strconvOct(v int) string {
	return string([]byte{'0', byte('0' + v>>6&7), byte('0' + v>>3&7), byte('0' + v&7)})
}

func TestLockRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere")
	link := filepath.Join(dir, "lock")
	os.Symlink(target, link)
	for _, exclusive := range []bool{true, false} {
		l, err := AcquireLock(link, exclusive, 0)
		if err == nil {
			l.Release()
			t.Fatal("AcquireLock followed a symlink")
		}
		if !strings.Contains(err.Error(), "symlink") {
			t.Errorf("message %q does not say symlink", err)
		}
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Error("the symlink's target was created")
	}
}

// TestLockSharedOnReadOnlyFile: a reader can lock a lock file it may not
// write to (a read-only root).
func TestLockSharedOnReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes anything")
	}
	path := filepath.Join(t.TempDir(), "lock")
	os.WriteFile(path, nil, 0o400)
	l, err := AcquireLock(path, false, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}
