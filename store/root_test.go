package store

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootThatIsAFile: a root that names a file, or a path through one, is
// ErrInvalid "not a folder" for every way of opening, and the file is left
// alone.
func TestRootThatIsAFile(t *testing.T) {
	f := newFixture(t)
	file := f.config("c.json", []byte(`{"mcpServers": {}}`))
	for _, root := range []string{file, filepath.Join(file, "backups")} {
		opens := map[string]func(o Options) error{
			"reader":  func(o Options) error { o.UpgradingReader = true; return openErr(o) },
			"writer":  openErr,
			"inspect": func(o Options) error { o.Inspect = true; return openErr(o) },
			"reindex": func(o Options) error { _, err := Reindex(context.Background(), o, ReindexOptions{}); return err },
		}
		for name, open := range opens {
			o := f.opts
			o.Root = root
			err := open(o)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), root+": invalid input: not a folder") {
				t.Errorf("%s of root %s: %v, want ErrInvalid: not a folder", name, root, err)
			}
		}
	}
	if data, _ := os.ReadFile(file); string(data) != `{"mcpServers": {}}` {
		t.Errorf("the file changed: %q", data)
	}
}

func openErr(o Options) error {
	s, err := Open(context.Background(), o)
	if err == nil {
		s.Close()
	}
	return err
}

// TestVerifyMissingRoot: verify of a root that does not exist says so
// (ErrConfigMissing, naming it) instead of passing as a sound empty store;
// list still reads it as empty.
func TestVerifyMissingRoot(t *testing.T) {
	f := newFixture(t)
	s := f.inspect()
	defer s.Close()
	if _, err := s.Verify(context.Background(), VerifyOptions{}); !errors.Is(err, ErrConfigMissing) || !strings.Contains(err.Error(), f.root) {
		t.Errorf("verify of a missing root: %v", err)
	}
	if n := len(f.all()); n != 0 {
		t.Errorf("listed %d", n)
	}
	if _, err := os.Lstat(f.root); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the root was made: %v", err)
	}
}

func modeOf(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
