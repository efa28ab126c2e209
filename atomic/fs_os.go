package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/internal/osfile"
)

// osFS is the real file system.
type osFS struct{}

// OS returns the real file system.
func OS() FS { return osFS{} }

func (osFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err // not a typed nil *os.File inside the interface
	}
	return f, nil
}

func (osFS) Lstat(name string) (fs.FileInfo, error)    { return os.Lstat(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)     { return os.Stat(name) }
func (osFS) EvalSymlinks(name string) (string, error)  { return filepath.EvalSymlinks(name) }
func (osFS) Mkdir(name string, perm fs.FileMode) error { return mkdirOS(name, perm) }
func (osFS) Chmod(name string, mode fs.FileMode) error { return os.Chmod(name, mode) }
func (osFS) Chtimes(name string, atime, mtime time.Time) error {
	return os.Chtimes(name, atime, mtime)
}
func (osFS) Rename(oldpath, newpath string) error { return rename(oldpath, newpath) }
func (osFS) Remove(name string) error             { return os.Remove(name) }
func (osFS) SyncDir(dir string) error             { return osfile.SyncDir(dir) }
func (osFS) RenameNoReplace(oldpath, newpath string) error {
	return renameNoReplace(oldpath, newpath)
}

// linkNoReplace publishes oldpath as newpath with link + unlink: link fails
// with EEXIST on a taken name, symlinks included. It is the fallback where
// the kernel or the file system has no no-replace rename. Hard links are
// needed: on a file system without them (FAT, some FUSE) it fails rather than
// risk replacing.
func linkNoReplace(oldpath, newpath string) error {
	if err := os.Link(oldpath, newpath); err != nil {
		return err
	}
	if err := os.Remove(oldpath); err != nil {
		// Take the new name back, so that an error still means "not
		// published" to the caller.
		return errors.Join(err, os.Remove(newpath))
	}
	return nil
}
