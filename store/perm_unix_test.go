//go:build unix

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

// needModes skips where permissions do not apply: root reads and writes
// through any mode (the end-to-end tests drop to uid 65534 instead).
func needModes(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		t.Skip("running as root: modes do not restrict")
	}
}

// chmodFor sets p's mode and puts it back before the fixture's checks.
func chmodFor(t *testing.T, p string, mode fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, fi.Mode().Perm()) })
}

func hasProblem(ps []Problem, k ProblemKind, path, detail string) bool {
	for _, p := range ps {
		if p.Kind == k && p.Path == path && strings.Contains(p.Detail, detail) {
			return true
		}
	}
	return false
}

// TestVerifyClosedHostFolder: a host folder at mode 000 is reported (its
// mode, and that its backups could not be checked), not an error; the
// other hosts are checked.
func TestVerifyClosedHostFolder(t *testing.T) {
	needModes(t)
	f := newFixture(t)
	cfg := f.config("c.json", []byte(`{"mcpServers": {}}`))
	f.create("cursor", cfg)
	f.create("kiro", cfg)
	dir := filepath.Join(f.root, "cursor")
	chmodFor(t, dir, 0)
	s := f.inspect()
	defer s.Close()
	res, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if res.Checked != 1 || !hasProblem(res.Problems, ProblemMode, dir, "lacks access") ||
		!hasProblem(res.Problems, ProblemUnreadable, dir, "1 indexed backups not checked") || len(res.Problems) != 2 {
		t.Errorf("checked %d, problems %+v", res.Checked, res.Problems)
	}
}

// TestVerifyClosedBackup: a backup file at mode 000 is reported, not an
// error.
func TestVerifyClosedBackup(t *testing.T) {
	needModes(t)
	f := newFixture(t)
	b := f.create("cursor", f.config("c.json", []byte(`{"mcpServers": {}}`)))
	chmodFor(t, b.Path, 0)
	s := f.inspect()
	defer s.Close()
	res, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if res.Checked != 0 || !hasProblem(res.Problems, ProblemMode, b.Path, "") || !hasProblem(res.Problems, ProblemUnreadable, b.Path, "not checked") {
		t.Errorf("checked %d, problems %+v", res.Checked, res.Problems)
	}
}

// TestCreateIntoClosedFolder: create into a host folder at mode 000 fails
// at once, naming the folder and the permission, never "no free name".
func TestCreateIntoClosedFolder(t *testing.T) {
	needModes(t)
	f := newFixture(t)
	cfg := f.config("c.json", []byte(`{"mcpServers": {}}`))
	f.create("cursor", cfg)
	dir := filepath.Join(f.root, "cursor")
	chmodFor(t, dir, 0)
	s := f.open()
	defer s.Close()
	_, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg})
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), dir+": permission denied") || strings.Contains(err.Error(), "free name") {
		t.Fatalf("create: %v, want permission denied naming %s", err, dir)
	}
}
