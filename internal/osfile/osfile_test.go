package osfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestOpen: Open creates, refuses and reads like os.OpenFile, and its
// errors say the same.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	f, err := Open(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("mode %v: more than the 0600 asked for", fi.Mode().Perm())
		}
	}
	_, err = Open(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrExist) || !errors.As(err, &pe) || pe.Path != name || pe.Op != "open" {
		t.Errorf("O_EXCL on a taken name: %v, want an open PathError naming %s with ErrExist", err, name)
	}
	if _, err := Open(filepath.Join(dir, "missing"), os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v, want ErrNotExist", err)
	}
	r, err := Open(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Name() != name {
		t.Errorf("Name() = %q, want %q", r.Name(), name)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil || buf.String() != "hello" {
		t.Errorf("read back %q, %v", buf.String(), err)
	}
}

// TestSyncDir: a directory syncs; a missing one is an error, not a
// silent success.
func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		return // a no-op there
	}
	if err := SyncDir(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SyncDir of a missing folder: %v, want ErrNotExist", err)
	}
}
