//go:build unix

package index

import "syscall"

// noFollow makes opening a symlink fail (ELOOP) instead of following it.
const noFollow = syscall.O_NOFOLLOW
