//go:build !windows

package atomic

import (
	"errors"
	"os"
	"syscall"
)

// rename is rename(2): atomic replacement of newpath.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// syncDir fsyncs a directory so that a rename or a new entry in it survives
// a crash. File systems that cannot fsync a directory say EINVAL or ENOTSUP;
// that is success, as there is nothing more to do. Any other error counts.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	return errors.Join(err, d.Close())
}

// inUse is false: outside Windows, an open file never stops a rename.
func inUse(error) bool { return false }

// mkdirOS is mkdir(2); the mode (past the umask, see EnsureDir) is the
// access control.
func mkdirOS(name string, perm os.FileMode) error { return os.Mkdir(name, perm) }
