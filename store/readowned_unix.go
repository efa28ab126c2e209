//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// ownedOpen opens a backup file without following a symlink (the open
// fails with ELOOP) and without blocking on a FIFO planted under a backup
// name, so readOwned needs no Lstat before it opens: the open file's Stat
// judges what was opened.
const ownedOpen = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// ownedLstat: readOwned needs no Lstat before it opens here.
const ownedLstat = false

// isSymlinkRefusal reports whether an ownedOpen failed on a symlink.
func isSymlinkRefusal(err error) bool { return errors.Is(err, syscall.ELOOP) }
