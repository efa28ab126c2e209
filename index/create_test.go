package index

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Create makes a new index file at exactly the path given, publishing
// nothing else, and never opens or changes a file that is there.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".index.db.0123456789abcdef.tmp")
	db, err := Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != filepath.Base(p) {
		t.Errorf("the folder holds %v, want only the new file", entries)
	}
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 || (runtime.GOOS != "windows" && fi.Mode().Perm() != FileMode) {
		t.Errorf("new index: %v %v", fi, err)
	}

	taken := filepath.Join(dir, "taken")
	if err := os.WriteFile(taken, []byte("not an index"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(taken); !errors.Is(err, ErrExists) || !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over a file: %v", err)
	}
	if data, _ := os.ReadFile(taken); string(data) != "not an index" {
		t.Errorf("the taken file was changed: %q", data)
	}
}
