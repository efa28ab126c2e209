package atomic

import (
	"errors"
	"io/fs"
)

// Sentinel errors. Every error this package returns names the path at fault
// and wraps the underlying *fs.PathError or *os.LinkError where there is one.
var (
	// ErrExist is returned by WriteNew when the destination name is taken
	// (by a file, a directory or a symlink, dangling or not).
	// It wraps fs.ErrExist.
	ErrExist error = existError{}
	// ErrNoDir is returned when the destination's directory does not exist;
	// no directory is ever created by ReplaceFile or WriteNew, nor by
	// EnsureDir unless parents is set.
	ErrNoDir = errors.New("destination folder does not exist")
	// ErrShortWrite is returned when fewer bytes were written than given.
	ErrShortWrite = errors.New("short write")
	// ErrNotRegular is returned when the destination exists but is not a
	// regular file (after following symlinks): a directory, FIFO, device,
	// socket.
	ErrNotRegular = errors.New("destination is not a regular file")
	// ErrDanglingSymlink is returned by ReplaceFile when path is a symlink
	// whose target does not exist: writing through it would create a file
	// somewhere the caller never named. It comes with the error from
	// resolving the link, so it also matches fs.ErrNotExist.
	ErrDanglingSymlink = errors.New("symlink target does not exist")
	// ErrNotDir is returned by EnsureDir when something other than a real
	// directory (a file, or a symlink even to a directory) is at dir.
	ErrNotDir = errors.New("not a directory")
	// ErrInUse is returned by ReplaceFile and WriteNew when the publish
	// step kept failing because another program holds the file (Windows:
	// a sharing, lock or access violation from MoveFileEx, retried for up
	// to about 2 s). Nothing was changed and the temp file is removed.
	ErrInUse = errors.New("in use by another program")
)

// existError is ErrExist: a distinct sentinel whose message stays short and
// that still matches fs.ErrExist for callers that only know the standard one.
type existError struct{}

func (existError) Error() string { return "destination exists" }
func (existError) Unwrap() error { return fs.ErrExist }
