package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestRestoreRefusesTargetsInTheStore: a restore target that lands inside
// the backup root, by name, through .., through a symlinked folder or a
// symlinked file, is ErrInvalid naming it, and nothing changes: no safety
// backup, the index and every backup byte-identical.
func TestRestoreRefusesTargetsInTheStore(t *testing.T) {
	f := newFixture(t)
	cfg := f.config("c.json", []byte(`{"mcpServers": {}}`))
	b := f.create("cursor", cfg)
	links := filepath.Join(filepath.Dir(f.root), "links")
	if err := os.MkdirAll(links, 0o700); err != nil {
		t.Fatal(err)
	}
	// symlink makes links/name point to to; "" where symlinks cannot be
	// made (Windows without the privilege): those cases are left out.
	symlink := func(to, name string) string {
		t.Helper()
		p := filepath.Join(links, name)
		if err := os.Symlink(to, p); err != nil {
			t.Logf("no symlinks here: %v", err)
			return ""
		}
		if _, err := os.Readlink(p); err != nil {
			t.Logf("no usable symlinks here (Wine makes none): %v", err)
			return ""
		}
		return p
	}
	viaLink := func(link string, rest ...string) string {
		if link == "" {
			return ""
		}
		return filepath.Join(append([]string{link}, rest...)...)
	}
	targets := map[string]string{
		"the root":                f.root,
		"the index":               filepath.Join(f.root, IndexFile),
		"the lock":                filepath.Join(f.root, LockFile),
		"a backup":                b.Path,
		"a new file in the root":  filepath.Join(f.root, "x.json"),
		"a host folder":           filepath.Join(f.root, "cursor"),
		"a new file of a host":    filepath.Join(f.root, "cursor", "new.json"),
		"a folder not made yet":   filepath.Join(f.root, "kiro", "new.json"),
		"through ..":              filepath.Join(f.dir, "..", filepath.Base(f.root), IndexFile),
		"a relative path":         relTo(t, filepath.Join(f.root, IndexFile)),
		"a symlinked folder":      viaLink(symlink(f.root, "rootlink"), "cursor", filepath.Base(b.Path)),
		"a new file, linked in":   viaLink(symlink(filepath.Join(f.root, "cursor"), "hostlink"), "new.json"),
		"a symlink to the index":  symlink(filepath.Join(f.root, IndexFile), "index.json"),
		"a symlink to a backup":   symlink(b.Path, "backup.json"),
		"a dangling link into it": symlink(filepath.Join(f.root, "cursor", "nothing-yet"), "dangling.json"),
		"a link through a link":   symlink(filepath.Join(links, "index.json"), "twice.json"),
	}
	if foldCase {
		targets["another case"] = filepath.Join(strings.ToUpper(f.root), IndexFile)
	}
	before, err := Snapshot(f.root)
	if err != nil {
		t.Fatal(err)
	}
	for name, target := range targets {
		if target == "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, dry := range []bool{false, true} {
				s := f.open()
				res, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor", To: target, DryRun: dry})
				s.Close()
				abs, _ := filepath.Abs(target)
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), abs) {
					t.Errorf("restore --to %s (dry %v): %v, want ErrInvalid naming it", target, dry, err)
				}
				if res.SafetyBackup != nil {
					t.Errorf("a refused restore took a safety backup")
				}
			}
		})
	}
	after, err := Snapshot(f.root)
	if err != nil {
		t.Fatal(err)
	}
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed", p)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files in the root, were %d", len(after), len(before))
	}
}

// TestCheckOutsideAllows: paths beside the root, including one whose name
// starts like the root's, are outside.
func TestCheckOutsideAllows(t *testing.T) {
	f := newFixture(t)
	s := f.open()
	defer s.Close()
	for _, p := range []string{
		filepath.Join(f.dir, "c.json"),
		f.root + "2",
		filepath.Join(f.root+".old", IndexFile),
		filepath.Join(filepath.Dir(f.root), "x.json"),
	} {
		if err := s.CheckOutside(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if runtime.GOOS == "linux" {
		// Linux file systems are case-sensitive: another case is another file.
		if err := s.CheckOutside(strings.ToUpper(f.root)); err != nil {
			t.Errorf("upper case: %v", err)
		}
	}
}

// relTo returns p relative to the working directory, or skips.
func relTo(t *testing.T, p string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Skip(err)
	}
	rel, err := filepath.Rel(wd, p)
	if err != nil {
		return p
	}
	return rel
}

// TestConfigWritersRefuseTheStore: the library's other writers of configs
// (WriteConfig, Modify) refuse a path inside the root before anything is
// done: the caller's change never runs.
func TestConfigWritersRefuseTheStore(t *testing.T) {
	f := newFixture(t)
	f.create("cursor", f.config("c.json", []byte(`{"mcpServers": {}}`)))
	idx := filepath.Join(f.root, IndexFile)
	before, _ := Snapshot(f.root)
	s := f.open()
	defer s.Close()
	if _, err := s.WriteConfig(context.Background(), "cursor", idx, []byte("{}"), false); !errors.Is(err, ErrInvalid) {
		t.Errorf("WriteConfig into the index: %v", err)
	}
	ran := false
	_, err := s.Modify(context.Background(), "cursor", idx, false, func(context.Context) error { ran = true; return nil })
	if !errors.Is(err, ErrInvalid) || ran {
		t.Errorf("Modify of the index: %v, ran %v", err, ran)
	}
	after, _ := Snapshot(f.root)
	if len(after) != len(before) {
		t.Errorf("%d files in the root, were %d", len(after), len(before))
	}
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed", p)
		}
	}
}
