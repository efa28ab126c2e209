//go:build unix

package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The umask is per process: these tests must not run in parallel with
// anything that creates files.
func TestUmaskMatrix(t *testing.T) {
	ops := []struct {
		name string
		perm fs.FileMode
		do   func(path string, perm fs.FileMode) error
	}{
		{"WriteNew 0600", 0o600, func(p string, m fs.FileMode) error { return WriteNew(OS(), p, []byte("x"), m) }},
		{"WriteNew 0644", 0o644, func(p string, m fs.FileMode) error { return WriteNew(OS(), p, []byte("x"), m) }},
		{"ReplaceFile new 0600", 0o600, func(p string, m fs.FileMode) error { return ReplaceFile(OS(), p, []byte("x"), m) }},
		{"EnsureDir 0700", 0o700, func(p string, m fs.FileMode) error {
			_, _, err := EnsureDir(OS(), p, m, false)
			return err
		}},
		{"EnsureDir parents 0700", 0o700, func(p string, m fs.FileMode) error {
			_, _, err := EnsureDir(OS(), filepath.Join(p, "host"), m, true)
			return err
		}},
	}
	for _, mask := range []int{0o000, 0o022, 0o077, 0o277} {
		for _, op := range ops {
			t.Run(op.name+"/umask "+fs.FileMode(mask).String(), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "target")
				old := syscall.Umask(mask)
				err := op.do(path, op.perm)
				syscall.Umask(old)
				if err != nil {
					t.Fatal(err)
				}
				assertMode(t, path, op.perm)
				if fi, err := os.Stat(path); err == nil && fi.IsDir() {
					entries, _ := os.ReadDir(path)
					for _, e := range entries {
						assertMode(t, filepath.Join(path, e.Name()), op.perm)
					}
				}
			})
		}
	}
}

// FIFOs and devices are refused before anything is opened: opening a FIFO
// for writing would block, writing a device would do who knows what.
func TestReplaceFileSpecial(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string
	}{
		{"fifo", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			return p
		}},
		{"symlink to fifo", func(t *testing.T, dir string) string {
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			p := filepath.Join(dir, "config.json")
			if err := os.Symlink(fifo, p); err != nil {
				t.Fatal(err)
			}
			return p
		}},
		{"symlink to /dev/null", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			if err := os.Symlink(os.DevNull, p); err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			rec := NewRecorder(OS())
			err := ReplaceFile(rec, path, []byte("new"), 0o600)
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("got %v, want ErrNotRegular", err)
			}
			for _, c := range rec.Calls() {
				if c.Op == "open" {
					t.Errorf("opened %s", c.Path)
				}
			}
			assertNoTemp(t, dir)
		})
	}
}
