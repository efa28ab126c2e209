package watch

import (
	"os"
	"path/filepath"
	"testing"
)

func TestConcerns(t *testing.T) {
	p := filepath.Join("/home", "u", ".cursor", "mcp.json")
	for name, want := range map[string]bool{
		p:                                      true,
		filepath.Join("/home", "u", ".cursor"): true, // the folder made, removed or renamed
		filepath.Join("/home", "u"):            true,
		filepath.Join("/home", "u", ".cursor", "other.json"): false,
		filepath.Join("/home", "u", ".cursorx"):              false,
		p + ".tmp":                                           false,
	} {
		if got := concerns(name, p); got != want {
			t.Errorf("concerns(%s) = %v, want %v", name, got, want)
		}
	}
	if concerns(p, "") {
		t.Error("an empty link target concerns everything")
	}
}

func TestNearestDir(t *testing.T) {
	dir := t.TempDir()
	if got := nearestDir(filepath.Join(dir, "a", "b", "c")); got != dir {
		t.Errorf("nearestDir = %s, want %s", got, dir)
	}
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	if got := nearestDir(filepath.Join(dir, "a", "b", "c")); got != filepath.Join(dir, "a", "b") {
		t.Errorf("nearestDir = %s", got)
	}
}
