package atomic

import (
	"os"

	"golang.org/x/sys/windows"
)

// Windows has no directory fsync. What comes nearest is
// MOVEFILE_WRITE_THROUGH: MoveFileEx returns only once the move has been
// flushed to disk. Both renames use it (os.Rename does not).

// renameNoReplace is MoveFileEx without MOVEFILE_REPLACE_EXISTING, which
// fails with ERROR_ALREADY_EXISTS (matching fs.ErrExist) on a taken name.
func renameNoReplace(oldpath, newpath string) error {
	return moveFile(oldpath, newpath, windows.MOVEFILE_WRITE_THROUGH)
}

// rename replaces newpath. It fails (access denied, sharing violation) while
// another process holds newpath open without FILE_SHARE_DELETE.
func rename(oldpath, newpath string) error {
	return moveFile(oldpath, newpath, windows.MOVEFILE_REPLACE_EXISTING|windows.MOVEFILE_WRITE_THROUGH)
}

func moveFile(oldpath, newpath string, flags uint32) error {
	from, err := windows.UTF16PtrFromString(oldpath)
	if err == nil {
		var to *uint16
		if to, err = windows.UTF16PtrFromString(newpath); err == nil {
			err = windows.MoveFileEx(from, to, flags)
		}
	}
	if err != nil {
		return &os.LinkError{Op: "movefileex", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// syncDir is a no-op: see above.
func syncDir(string) error { return nil }
