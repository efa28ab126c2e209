//go:build !windows

package osfile

import (
	"errors"
	"os"
	"syscall"
)

// SyncDir fsyncs a directory, so that a new entry in it (a created or
// renamed file) survives a crash. File systems that cannot sync a
// directory say EINVAL or ENOTSUP: that is success, as there is nothing
// more to do. Any other error counts.
func SyncDir(dir string) error {
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
