//go:build !unix

package osfile

import (
	"io/fs"
	"os"
)

// Open is os.OpenFile: outside Unix the poller costs nothing here.
func Open(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}
