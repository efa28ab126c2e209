//go:build unix

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// nobody is the unprivileged user a root test run drops to.
const nobody = 65534

// asUser returns a function that runs the binary as uid/gid nobody when
// the tests run as root (root ignores modes), else as ourselves. The
// binary is copied where nobody can run it, and the home made reachable.
func asUser(t *testing.T, e *testEnv) func(args ...string) result {
	t.Helper()
	if os.Geteuid() != 0 {
		return e.run
	}
	if runtime.GOOS != "linux" {
		t.Skip("running as root: dropping privileges is tested on Linux only")
	}
	dir, err := os.MkdirTemp("", "hatch-backup-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "hatch-backup")
	copyFile(t, binPath, bin, 0o755)
	for p := e.home; p != "/" && p != filepath.Dir(p); p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			os.Chmod(p, fi.Mode().Perm()|0o001) // let nobody through, not read
		}
	}
	os.Chmod(dir, 0o755)
	return func(args ...string) result {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		return e.runCmd(cmd)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// chownTree gives the tree to uid nobody when we are root.
func chownTree(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			err = os.Lchown(p, nobody, nobody)
		}
		return err
	})
}

// TestReadOnlyRoot: a backup root its owner cannot write (made for real,
// as an unprivileged user) fails create, restore and reindex with exit 1
// and one line naming the path, and nothing on disk changes; verify and
// list still work.
func TestReadOnlyRoot(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o644)
	e.must(0, "create", "--host", "cursor", "--config", cfg)
	run := asUser(t, e)
	chownTree(t, e.home)
	os.Chmod(filepath.Join(e.root, "cursor"), 0o500)
	before := snapshot(t, e.home)
	r := run("create", "--host", "cursor", "--config", cfg)
	if r.code != exitFailed || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, filepath.Join(e.root, "cursor")) {
		t.Errorf("create into a read-only folder: want exit 1 naming it, got %s", r)
	}
	sameSnapshot(t, "a failed create", before, snapshot(t, e.home))
	if r := run("list"); r.code != 0 {
		t.Errorf("list of a read-only store: %s", r)
	}
	if r := run("verify"); r.code != exitIntegrity || !strings.Contains(r.stdout, "bad-mode") {
		t.Errorf("verify of a 0500 folder: want exit 3 and bad-mode, got %s", r)
	}
	sameSnapshot(t, "list and verify", before, snapshot(t, e.home))
}

// TestSymlinkedRoot: a root that is a symlink to the real folder works for
// every command; verify reports paths under the real folder and is clean.
func TestSymlinkedRoot(t *testing.T) {
	e := newEnv(t)
	real := filepath.Join(e.home, "synced", "backups")
	os.MkdirAll(real, 0o700)
	link := filepath.Join(e.home, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o600)
	e.must(0, "--root", link, "create", "--host", "cursor", "--config", cfg)
	e.must(0, "--root", link, "verify")
	e.must(0, "--root", link, "reindex")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the root symlink was replaced")
	}
	if list := e.listJSON("--root", link); len(list) != 1 || !strings.HasPrefix(list[0].FilePath, real) && !strings.Contains(list[0].FilePath, "synced") {
		t.Errorf("listed %+v", list)
	}
}

// TestReindexUnderUmask: an index reindex builds, and the folders it
// tightens, get 0600/0700 whatever the umask.
func TestReindexUnderUmask(t *testing.T) {
	for _, umask := range []string{"000", "022", "077", "277"} {
		t.Run("umask "+umask, func(t *testing.T) {
			e := newEnv(t)
			cfg := filepath.Join(e.home, "c.json")
			e.writeConfig(cfg, "x", 0o600)
			path := strings.TrimSpace(e.must(0, "create", "--host", "kiro", "--config", cfg).stdout)
			os.Remove(filepath.Join(e.root, "index.db"))
			os.Chmod(path, 0o644)
			os.Chmod(filepath.Dir(path), 0o755)
			if r := e.runUmask(umask, "reindex"); r.code != 0 {
				t.Fatalf("reindex: %s", r)
			}
			for p, m := range map[string]os.FileMode{filepath.Join(e.root, "index.db"): 0o600, path: 0o600, filepath.Dir(path): 0o700, e.root: 0o700} {
				if got := mode(t, p); got != m {
					t.Errorf("%s: mode %v, want %v", p, got, m)
				}
			}
			e.must(0, "verify")
		})
	}
}

// TestIndexLockedByAnotherProcess: an index file that another process
// holds locked (bbolt's own lock, not the store lock) makes verify and
// reindex exit 11 after --lock-timeout, changing nothing; in particular
// reindex never moves a locked index aside as damaged.
func TestIndexLockedByAnotherProcess(t *testing.T) {
	e, _ := withBackup(t)
	f, err := os.OpenFile(filepath.Join(e.root, "index.db"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, e.root)
	for _, args := range [][]string{{"verify"}, {"reindex"}, {"list"}} {
		if r := e.run(append(args, "--lock-timeout", "200ms")...); r.code != exitLocked {
			t.Errorf("%v on a locked index: want exit 11, got %s", args, r)
		}
	}
	sameSnapshot(t, "commands on a locked index", before, snapshot(t, e.root))
}
