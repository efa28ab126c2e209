//go:build !windows

package atomic

import "os"

// rename is rename(2): atomic replacement of newpath.
func rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// inUse is false: outside Windows, an open file never stops a rename.
func inUse(error) bool { return false }

// mkdirOS is mkdir(2); the mode (past the umask, see EnsureDir) is the
// access control.
func mkdirOS(name string, perm os.FileMode) error { return os.Mkdir(name, perm) }
