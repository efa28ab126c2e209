//go:build unix

package osfile

import (
	"io/fs"
	"os"
	"syscall"
)

// Open is os.OpenFile(name, flag, perm) without the poller (see the
// package comment). Only perm's permission bits count. Errors are
// *fs.PathError, as from os.OpenFile.
func Open(name string, flag int, perm fs.FileMode) (*os.File, error) {
	for {
		fd, err := syscall.Open(name, flag|syscall.O_CLOEXEC, uint32(perm.Perm()))
		if err == nil {
			return os.NewFile(uintptr(fd), name), nil
		}
		if err != syscall.EINTR {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
	}
}
