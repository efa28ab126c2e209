//go:build unix

package store

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadOwnedRefusesSpecial: a symlink or a FIFO under a backup name is
// damage, read neither way; the FIFO does not block the open and the
// symlink's target keeps its mode.
func TestReadOwnedRefusesSpecial(t *testing.T) {
	for _, rp := range readPaths {
		for _, kind := range []string{"symlink", "fifo"} {
			t.Run(rp.name+"/"+kind, func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, "mcp.json.cursor.20250101_000000_000000")
				target := filepath.Join(dir, "target")
				writeMode("secret", 0o644)(t, target)
				switch kind {
				case "symlink":
					if err := os.Symlink(target, p); err != nil {
						t.Fatal(err)
					}
				case "fifo":
					if err := syscall.Mkfifo(p, 0o600); err != nil {
						t.Skipf("mkfifo: %v", err)
					}
				}
				s := newStore(Options{Root: dir, FS: rp.fs})
				data, _, err := s.readOwned(p, 100, nil)
				if !errors.Is(err, ErrIntegrity) || data != nil {
					t.Fatalf("read %q, %v; want ErrIntegrity", data, err)
				}
				if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
					t.Errorf("the target's mode became %v", fi.Mode().Perm())
				}
			})
		}
	}
}
