//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chmodBack sets p's mode for the test and restores mode afterwards, so
// that the temp folder can be removed.
func chmodBack(t *testing.T, p string, now, after os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, now); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(p, after) })
}

// TestClosedHostFolder: a host folder at mode 000, its owner running:
// verify reports its mode and that its backups could not be checked (exit
// 3, the other host checked); create into it fails at once with one line
// naming the folder and the permission (exit 1), never "no free name";
// nothing changes.
func TestClosedHostFolder(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o644)
	e.must(0, "create", "--host", "cursor", "--config", cfg)
	e.must(0, "create", "--host", "kiro", "--config", cfg)
	run := asUser(t, e)
	chownTree(t, e.home)
	dir := filepath.Join(e.root, "cursor")
	chmodBack(t, dir, 0, 0o700)
	before := snapshot(t, e.home)
	r := run("verify")
	if r.code != exitIntegrity || !strings.Contains(r.stdout, "bad-mode") || !strings.Contains(r.stdout, "unreadable") ||
		!strings.Contains(r.stdout, dir+": permission denied") || !strings.Contains(r.stdout, "checked 1 backups: 2 problems") {
		t.Errorf("verify of a 000 host folder: want exit 3, bad-mode and unreadable; got %s", r)
	}
	r = run("create", "--host", "cursor", "--config", cfg)
	if r.code != exitFailed || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, dir+": permission denied") || strings.Contains(r.stderr, "free name") {
		t.Errorf("create into a 000 folder: want exit 1 naming it, got %s", r)
	}
	sameSnapshot(t, "verify and a failed create", before, snapshot(t, e.home))
}

// TestReadOnlyRootStaysReadOnly: a root at 0555 loses group and other
// access and gains nothing (0500, never 0700); a create that must make a
// host folder in it then fails with one line naming the root (exit 1).
func TestReadOnlyRootStaysReadOnly(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o644)
	e.must(0, "create", "--host", "cursor", "--config", cfg)
	run := asUser(t, e)
	chownTree(t, e.home)
	chmodBack(t, e.root, 0o555, 0o700)
	r := run("create", "--host", "kiro", "--config", cfg)
	if r.code != exitFailed || !strings.Contains(r.stderr, "backup root "+e.root+": permission denied") {
		t.Errorf("create in a read-only root: want exit 1 naming it, got %s", r)
	}
	if got := mode(t, e.root); got != 0o500 {
		t.Errorf("root mode %v, want 0500 (tightened, never loosened)", got)
	}
	if _, err := os.Lstat(filepath.Join(e.root, "kiro")); !os.IsNotExist(err) {
		t.Errorf("a host folder was made: %v", err)
	}
	if r := run("list"); r.code != 0 {
		t.Errorf("list of a read-only root: %s", r)
	}
}

// TestCompactFailingHalfWay: a compact that compresses one host and then
// fails on another (its folder read-only) exits 1 and says how many
// backups it compressed, and those are compressed and sound.
func TestCompactFailingHalfWay(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o644)
	// Three of each: compact leaves the newest of each plain.
	for range 3 {
		e.must(0, "create", "--host", "cursor", "--config", cfg)
		e.must(0, "create", "--host", "kiro", "--config", cfg)
	}
	run := asUser(t, e)
	chownTree(t, e.home)
	chmodBack(t, filepath.Join(e.root, "kiro"), 0o500, 0o700)
	r := run("compact")
	if r.code != exitFailed || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "compressed 2 backups") ||
		!strings.Contains(r.stdout, "compressed before the failure: 2 (") {
		t.Errorf("compact failing on kiro: want exit 1 saying 2 were compressed, got %s", r)
	}
	os.Chmod(filepath.Join(e.root, "kiro"), 0o700)
	newest := map[string]bool{} // hosts whose newest was listed (newest first)
	for _, b := range e.listJSON() {
		zstd := b.Hostname == "cursor" && newest[b.Hostname]
		newest[b.Hostname] = true
		if (b.Compression == "zstd") != zstd {
			t.Errorf("%s: compression %s", b.FilePath, b.Compression)
		}
	}
	if r := run("verify"); r.code != 0 {
		t.Errorf("verify after a half-done compact: %s", r)
	}
}
