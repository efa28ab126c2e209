package atomic

import (
	"io"
	"io/fs"
	"time"
)

// FS is the file-system seam. Production code uses OS(); tests wrap it with
// a Recorder to record the call order or inject faults that cannot be made
// for real (ENOSPC, EIO on fsync, ...).
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Lstat(name string) (fs.FileInfo, error)
	Stat(name string) (fs.FileInfo, error)
	EvalSymlinks(name string) (string, error)
	// Mkdir makes one directory; on Windows an owner-only perm (0700)
	// also sets the owner-only ACL.
	Mkdir(name string, perm fs.FileMode) error
	Chmod(name string, mode fs.FileMode) error
	// Chtimes sets a file's modification time (its access time too, unless
	// atime is zero): the store dates each backup file with its instant.
	Chtimes(name string, atime, mtime time.Time) error
	// Rename replaces newpath if it exists (used only for live configs).
	Rename(oldpath, newpath string) error
	// RenameNoReplace publishes oldpath as newpath and fails with an error
	// matching fs.ErrExist when newpath already exists.
	RenameNoReplace(oldpath, newpath string) error
	Remove(name string) error
	// SyncDir fsyncs a directory; EINVAL/ENOTSUP (and platforms without
	// directory fsync) count as success.
	SyncDir(dir string) error
}

// File is the part of *os.File the write protocol uses.
type File interface {
	io.Reader
	io.Writer
	Name() string
	Sync() error
	Close() error
	Chmod(mode fs.FileMode) error
	Stat() (fs.FileInfo, error)
}
