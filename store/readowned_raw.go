//go:build linux || darwin

package store

import (
	"io/fs"
	"syscall"
)

// rawReads: readOwned talks to the kernel directly here.
const rawReads = true

// readOwnedRaw is readOwned with system calls on a bare descriptor. O_NOFOLLOW
// refuses a symlink (ELOOP), O_NONBLOCK keeps a FIFO planted under a backup
// name from blocking the open, and fstat judges what was opened.
func readOwnedRaw(p string, limit int64, buf []byte) ([]byte, fileFacts, error) {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Open(p, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		return err
	})
	if err == syscall.ELOOP {
		return nil, fileFacts{}, ownedShape(p, fs.ModeSymlink, 0, limit)
	}
	if err != nil {
		return nil, fileFacts{}, ownedOpenError(p, &fs.PathError{Op: "open", Path: p, Err: err})
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := retryEINTR(func() error { return syscall.Fstat(fd, &st) }); err != nil {
		return nil, fileFacts{}, &fs.PathError{Op: "fstat", Path: p, Err: err}
	}
	facts := fileFacts{mode: rawMode(uint32(st.Mode)), foreign: foreignUID(st.Uid), mtime: statMtime(&st)}
	if err := ownedShape(p, facts.mode, st.Size, limit); err != nil {
		return nil, facts, err
	}
	if perm := facts.mode.Perm(); perm&^FileMode != 0 {
		// Only ever remove bits: a 0400 backup stays 0400.
		if err := retryEINTR(func() error { return syscall.Fchmod(fd, uint32(perm&FileMode)) }); err != nil {
			return nil, facts, &fs.PathError{Op: "chmod", Path: p, Err: err}
		}
		facts.mode = perm & FileMode
	}
	read := func(b []byte) (n int, err error) {
		err = retryEINTR(func() (err error) { n, err = syscall.Read(fd, b); return err })
		return max(n, 0), err
	}
	buf, err = readToEnd(p, read, st.Size, limit, buf)
	return buf, facts, err
}

func retryEINTR(fn func() error) error {
	for {
		if err := fn(); err != syscall.EINTR {
			return err
		}
	}
}

// rawMode is the fs.FileMode of a stat mode: its type and permission bits
// (what verify and readOwned judge; set-id and sticky bits are left out).
func rawMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & syscall.S_IFMT {
	case syscall.S_IFREG:
	case syscall.S_IFDIR:
		mode |= fs.ModeDir
	case syscall.S_IFLNK:
		mode |= fs.ModeSymlink
	case syscall.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		mode |= fs.ModeSocket
	case syscall.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	default:
		mode |= fs.ModeDevice
	}
	return mode
}
