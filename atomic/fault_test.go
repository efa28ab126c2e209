package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// writer is one of the package's writes, set up against a directory with an
// existing file (for replaces) or none (for WriteNew).
type writer struct {
	name      string
	existing  bool
	publishOp string
	write     func(fsys FS, path string, data []byte) error
}

var writers = []writer{
	{"WriteNew", false, "rename-noreplace", func(fsys FS, path string, data []byte) error {
		return WriteNew(fsys, path, data, 0o600)
	}},
	{"ReplaceFile existing", true, "rename", func(fsys FS, path string, data []byte) error {
		return ReplaceFile(fsys, path, data, 0o600)
	}},
	{"ReplaceFile new", false, "rename", func(fsys FS, path string, data []byte) error {
		return ReplaceFile(fsys, path, data, 0o600)
	}},
}

// Every fault before the publish step leaves the destination as it was
// (byte-identical, same mode, or still absent) and no temp file behind.
func TestFaults(t *testing.T) {
	faults := []struct {
		name string
		op   string // "publish" means the writer's rename
		err  error
	}{
		{"ENOSPC on write", "write", syscall.ENOSPC},
		{"EIO on write", "write", syscall.EIO},
		{"EIO on sync", "sync", syscall.EIO},
		{"EIO on close", "close", syscall.EIO},
		{"EPERM on chmod", "chmod", syscall.EPERM},
		{"EACCES on open", "open", syscall.EACCES},
		{"EROFS on open", "open", syscall.EROFS},
		{"EIO on rename", "publish", syscall.EIO},
		{"EXDEV on rename", "publish", syscall.EXDEV},
	}
	for _, w := range writers {
		for _, f := range faults {
			t.Run(w.name+"/"+f.name, func(t *testing.T) {
				dir := t.TempDir()
				path := filepath.Join(dir, "mcp.json")
				if w.existing {
					writeFile(t, path, "old", 0o640)
				}
				op := f.op
				if op == "publish" {
					op = w.publishOp
				}
				rec := NewRecorder(OS())
				rec.Fail(op, under(dir), f.err)

				err := w.write(rec, path, []byte("new"))
				if !errors.Is(err, f.err) {
					t.Fatalf("got %v, want %v", err, f.err)
				}
				if w.existing {
					assertContent(t, path, "old")
					assertMode(t, path, 0o640)
				} else {
					assertMissing(t, path)
				}
				assertNoTemp(t, dir)
			})
		}
	}
}

// A failed directory fsync after the rename: WriteNew takes its new name
// back; ReplaceFile cannot (the old content is gone) and says so.
func TestFaultSyncDir(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json")
			if w.existing {
				writeFile(t, path, "old", 0o600)
			}
			rec := NewRecorder(OS())
			rec.Fail("syncdir", is(dir), syscall.EIO)
			if err := w.write(rec, path, []byte("new")); !errors.Is(err, syscall.EIO) {
				t.Fatalf("got %v, want EIO", err)
			}
			if w.publishOp == "rename-noreplace" {
				assertMissing(t, path)
			} else {
				assertContent(t, path, "new")
			}
			assertNoTemp(t, dir)
		})
	}
}

// When even removing the temp file fails, both errors come back.
func TestFaultCleanupFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	rec := NewRecorder(OS())
	rec.Fail("sync", under(dir), syscall.EIO)
	rec.Fail("remove", under(dir), syscall.EBUSY)
	err := WriteNew(rec, path, []byte("new"), 0o600)
	if !errors.Is(err, syscall.EIO) || !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("got %v, want EIO joined with EBUSY", err)
	}
	assertMissing(t, path)
}

// A fault while writing through a symlink leaves link and target alone.
func TestFaultThroughSymlink(t *testing.T) {
	dir, dotfiles := t.TempDir(), t.TempDir()
	target, link := filepath.Join(dotfiles, "mcp.json"), filepath.Join(dir, "mcp.json")
	writeFile(t, target, "old", 0o644)
	if err := symlink(t, target, link); err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder(OS())
	rec.Fail("write", under(dotfiles), syscall.ENOSPC)
	if err := ReplaceFile(rec, link, []byte("new"), 0o600); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ENOSPC", err)
	}
	if got, err := os.Readlink(link); err != nil || got != target {
		t.Errorf("link reads %q (%v), want %q", got, err, target)
	}
	assertContent(t, target, "old")
	assertNoTemp(t, dotfiles)
}

func TestShortWrite(t *testing.T) {
	for _, w := range writers {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json")
			if w.existing {
				writeFile(t, path, "old", 0o600)
			}
			if err := w.write(shortFS{OS()}, path, []byte("new")); !errors.Is(err, ErrShortWrite) {
				t.Fatalf("got %v, want ErrShortWrite", err)
			}
			if w.existing {
				assertContent(t, path, "old")
			} else {
				assertMissing(t, path)
			}
			assertNoTemp(t, dir)
		})
	}
}

// shortFS opens files whose Write drops the last byte and says nothing: a
// broken io.Writer, which only the byte count can catch.
type shortFS struct{ FS }

func (s shortFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := s.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return shortFile{f}, nil
}

type shortFile struct{ File }

func (f shortFile) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return f.File.Write(p[:len(p)-1])
}
