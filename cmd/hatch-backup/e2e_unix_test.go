//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestModesUnderUmask: whatever the umask, the root and host folders are
// 0700 and backups and the index 0600; a restored file keeps its mode.
func TestModesUnderUmask(t *testing.T) {
	for _, umask := range []string{"000", "022", "077", "277"} {
		t.Run("umask "+umask, func(t *testing.T) {
			e := newEnv(t)
			cfg := filepath.Join(e.home, "cfg.json")
			e.writeConfig(cfg, "x", 0o644)
			r := e.runUmask(umask, "create", "--host", "augment", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("create: %s", r)
			}
			path := strings.TrimSpace(r.stdout)
			want := map[string]os.FileMode{e.root: 0o700, filepath.Dir(path): 0o700, path: 0o600, filepath.Join(e.root, "index.db"): 0o600}
			for p, m := range want {
				if got := mode(t, p); got != m {
					t.Errorf("%s: mode %v, want %v", p, got, m)
				}
			}
			os.WriteFile(cfg, []byte("{}"), 0o644)
			if r := e.runUmask(umask, "restore", "--host", "augment"); r.code != 0 {
				t.Fatalf("restore: %s", r)
			}
			if got := mode(t, cfg); got != 0o644 {
				t.Errorf("restored config mode %v, want 0644 kept", got)
			}
			to := filepath.Join(e.home, "new.json")
			if r := e.runUmask(umask, "restore", "--host", "augment", "--to", to); r.code != 0 {
				t.Fatalf("restore --to: %s", r)
			}
			if got := mode(t, to); got != 0o600 {
				t.Errorf("new restore target mode %v, want 0600", got)
			}
		})
	}
}

// TestTooOpenRootTightened: an existing root that others can read is
// tightened to 0700 with a one-line notice.
func TestTooOpenRootTightened(t *testing.T) {
	e := newEnv(t)
	os.MkdirAll(e.root, 0o755)
	os.Chmod(e.root, 0o755)
	cfg := filepath.Join(e.home, "cfg.json")
	e.writeConfig(cfg, "x", 0o600)
	r := e.must(0, "create", "--host", "augment", "--config", cfg)
	if got := mode(t, e.root); got != 0o700 {
		t.Errorf("root mode %v, want 0700", got)
	}
	if !strings.Contains(r.stderr, "tightened") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("notice: %q", r.stderr)
	}
}

// TestConcurrentCreates: 20 processes back up at once on a fresh root:
// each succeeds or exits 11, names are unique, and the index counts
// exactly the files on disk.
func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "cfg.json")
	e.writeConfig(cfg, "x", 0o600)
	const n = 20
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = e.run("create", "--host", "codex", "--config", cfg)
		}()
	}
	wg.Wait()
	ok := 0
	names := map[string]bool{}
	for _, r := range results {
		switch r.code {
		case 0:
			ok++
			p := strings.TrimSpace(r.stdout)
			if names[p] {
				t.Errorf("two creates reported %s", p)
			}
			names[p] = true
		case 11:
		default:
			t.Errorf("create: %s", r)
		}
	}
	entries, err := os.ReadDir(filepath.Join(e.root, "codex"))
	if err != nil {
		t.Fatal(err)
	}
	list := e.listJSON()
	if len(entries) != ok || len(list) != ok {
		t.Fatalf("%d creates succeeded, %d files, %d indexed", ok, len(entries), len(list))
	}
	for _, b := range list {
		if !names[b.FilePath] {
			t.Errorf("indexed %s was not reported by any create", b.FilePath)
		}
	}
	if ok == 0 {
		t.Fatal("no create succeeded")
	}
}

// TestSameMicrosecond: two backups of one host in the same microsecond
// both survive under distinct names (a planted file at the next name
// moves the backup on too).
func TestPlantedNameSkipped(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "cfg.json")
	e.writeConfig(cfg, "x", 0o600)
	first := strings.TrimSpace(e.must(0, "create", "--host", "codex", "--config", cfg).stdout)
	target := filepath.Join(e.home, "outside")
	os.WriteFile(target, []byte("outside"), 0o600)
	if err := os.Symlink(target, first+".zst"); err != nil {
		t.Fatal(err)
	}
	second := strings.TrimSpace(e.must(0, "create", "--host", "codex", "--config", cfg).stdout)
	if second == first || second == first+".zst" {
		t.Fatalf("second backup reused a taken name: %s", second)
	}
	if got, _ := os.ReadFile(target); string(got) != "outside" {
		t.Fatal("a planted symlink was written through")
	}
}

// TestInterruptWhileWaiting: Ctrl-C during a wait for the lock ends the
// command at once with 130, and nothing is changed.
func TestInterruptWhileWaiting(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "cfg.json")
	e.writeConfig(cfg, "x", 0o600)
	e.must(0, "create", "--host", "codex", "--config", cfg)
	release, err := store.Lock(e.root, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	before := snapshot(t, e.home)
	cmd := exec.Command(binPath, "create", "--host", "codex", "--config", cfg, "--lock-timeout", "60s")
	var stderr bytes.Buffer
	cmd.Env, cmd.Stderr = e.vars, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("an interrupted create kept waiting for the lock")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("exit %d, stderr %q; want 130 and a line saying it was interrupted", code, stderr.String())
	}
	sameSnapshot(t, "an interrupted create", before, snapshot(t, e.home))
}
