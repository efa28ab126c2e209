package osfile

import (
	"errors"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"
)

// TestSyncDir: a directory syncs; a missing one is an error, not a
// silent success.
func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		return // a no-op there
	}
	if err := SyncDir(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SyncDir of a missing folder: %v, want ErrNotExist", err)
	}
}
