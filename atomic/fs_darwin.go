package atomic

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace is renamex_np(RENAME_EXCL); file systems without it
// (EINVAL, ENOSYS, ENOTSUP) get link + unlink.
func renameNoReplace(oldpath, newpath string) error {
	err := unix.RenamexNp(oldpath, newpath, unix.RENAME_EXCL)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTSUP) {
		return linkNoReplace(oldpath, newpath)
	}
	if err != nil {
		return &os.LinkError{Op: "renamex_np", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}
