//go:build unix

package index

import (
	"errors"
	"os"
	"syscall"
)

// noFollow makes opening a symlink fail (ELOOP) instead of following it.
const noFollow = syscall.O_NOFOLLOW

// syncDir makes a new directory entry in dir durable. File systems that
// cannot sync a directory say so with EINVAL or ENOTSUP, which is fine.
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
