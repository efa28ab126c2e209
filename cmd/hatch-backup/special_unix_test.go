//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"
)

// specialFiles makes a FIFO in dir and returns it with a device.
func specialFiles(t *testing.T, dir string) []string {
	t.Helper()
	fifo := filepath.Join(dir, "a-fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{fifo, "/dev/null"}
}
