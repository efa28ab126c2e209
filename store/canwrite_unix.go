//go:build unix

package store

import "syscall"

// accessWrite is access(2)'s W_OK|X_OK: create and remove entries.
const accessWrite = 0o2 | 0o1

// canWrite reports, as the kernel judges it for this process (root may
// write through any mode), whether entries can be made in dir: EACCES for
// a folder without write access, EROFS on a read-only mount.
func canWrite(dir string) error {
	return syscall.Access(dir, accessWrite)
}
