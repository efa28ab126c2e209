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
		!hasProblem(res.Problems, ProblemUnreadable, dir, "1 backup not checked") || len(res.Problems) != 2 {
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

// TestTighteningNeverAddsAccess: the root, a host folder and a backup
// whose modes lack the owner's write bit lose group and other access and
// gain nothing, whether a writer opens the store or reindex tightens it.
func TestTighteningNeverAddsAccess(t *testing.T) {
	if !unixModes {
		t.Skip("modes are not access control here")
	}
	f := newFixture(t)
	b := f.create("cursor", f.config("c.json", []byte(`{"mcpServers": {}}`)))
	dir := filepath.Dir(b.Path)
	chmodFor(t, b.Path, 0o444)
	chmodFor(t, dir, 0o555)
	chmodFor(t, f.root, 0o555)
	if os.Geteuid() == 0 {
		// Root may write anyway: the writer opens and tightens.
		f.open().Close()
		if got := modeOf(t, f.root); got != 0o500 {
			t.Errorf("root: mode %v after a writer opened, want 0500", got)
		}
	} else {
		if err := openErr(f.opts); !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "backup root "+f.root+": permission denied") {
			t.Errorf("writer on a read-only root: %v, want permission denied naming it", err)
		}
		os.Chmod(f.root, 0o755) // reindex needs to write in the root
	}
	Reindex(context.Background(), f.opts, ReindexOptions{}) // reports the modes left as problems
	for p, want := range map[string]fs.FileMode{dir: 0o500, b.Path: 0o400} {
		if got := modeOf(t, p); got != want {
			t.Errorf("%s: mode %v after reindex, want %v", p, got, want)
		}
	}
}
