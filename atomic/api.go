package atomic

import (
	"context"
	"errors"
	"io"
	"io/fs"
)

// FS is the file-system seam. Production code uses OS(); tests wrap it with
// a Recorder to record the call order or inject faults that cannot be made
// for real (ENOSPC, EIO on fsync, ...).
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Lstat(name string) (fs.FileInfo, error)
	Stat(name string) (fs.FileInfo, error)
	EvalSymlinks(name string) (string, error)
	Mkdir(name string, perm fs.FileMode) error
	Chmod(name string, mode fs.FileMode) error
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

// Sentinel errors.
var (
	// ErrExist is returned by WriteNew when the destination name is taken.
	// It wraps fs.ErrExist.
	ErrExist = errors.New("atomic: destination exists")
	// ErrNoDir is returned when the destination's directory does not exist;
	// no directory is ever created by ReplaceFile.
	ErrNoDir = errors.New("atomic: destination directory does not exist")
	// ErrShortWrite is returned when fewer bytes were written than given.
	ErrShortWrite = errors.New("atomic: short write")
	// ErrNotRegular is returned when the destination exists but is not a
	// regular file (after following symlinks).
	ErrNotRegular = errors.New("atomic: destination is not a regular file")
)

// OS returns the real file system.
func OS() FS { panic("unimplemented") }

// WriteNew durably writes data to a new file at path with exactly mode perm
// (whatever the umask): temp file in path's directory (O_CREATE|O_EXCL, 0600),
// write, check count, fsync, close, chmod, RenameNoReplace, SyncDir.
// It never replaces an existing name: a taken name (even a symlink) gives an
// error matching both ErrExist and fs.ErrExist, and the temp file is removed.
func WriteNew(fsys FS, path string, data []byte, perm fs.FileMode) error {
	panic("unimplemented")
}

// ReplaceFile durably replaces the content of the live file at path with
// data so that, at every instant and after any crash, path holds either its
// old or its new bytes. A symlinked path is written through to the resolved
// file and the link is kept. An existing target keeps its mode; a new one
// gets perm. The parent directory must exist (ErrNoDir otherwise).
func ReplaceFile(fsys FS, path string, data []byte, perm fs.FileMode) error {
	panic("unimplemented")
}

// EnsureDir makes dir (one level, parent must exist unless parents is true)
// with exactly mode perm whatever the umask. An existing directory whose mode
// is more open than perm is tightened; tightened reports that. A symlink or a
// non-directory at dir is an error.
func EnsureDir(fsys FS, dir string, perm fs.FileMode, parents bool) (created, tightened bool, err error) {
	panic("unimplemented")
}

// IsTemp reports whether a base file name is one of this package's temp
// files, that is, a leftover of an interrupted write.
func IsTemp(name string) bool { panic("unimplemented") }

// Backuper saves the current content of a file before it is overwritten.
type Backuper interface {
	// Backup saves path's current content and returns a function that puts
	// it back. A nil rollback means there was nothing to save.
	Backup(ctx context.Context, path string) (rollback func(context.Context) error, err error)
}

// WriteWithBackup is the backed-up atomic write: it backs path up through b
// (skipped when b is nil), then ReplaceFile; when the write fails, it calls
// the rollback and returns the write error joined with any rollback error.
func WriteWithBackup(ctx context.Context, fsys FS, b Backuper, path string, data []byte, perm fs.FileMode) error {
	panic("unimplemented")
}
