//go:build unix

package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// eventWait bounds every wait for a watch event: generous, as the
// machine may be loaded; no test asserts how long anything took.
const eventWait = 30 * time.Second

// watchProc is a running `hatch-backup watch --json`.
type watchProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	events chan watchEventJSON
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (e *testEnv) startWatch(args ...string) *watchProc {
	e.t.Helper()
	cmd := exec.Command(binPath, append([]string{"watch", "--json"}, args...)...)
	cmd.Env, cmd.Dir = e.vars, e.home
	w := &watchProc{t: e.t, cmd: cmd, events: make(chan watchEventJSON, 100), done: make(chan struct{})}
	out, err := cmd.StdoutPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	cmd.Stderr = &lockedWriter{mu: &w.mu, w: &w.stderr}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.Contains(sc.Text(), secretMarker) {
				e.t.Errorf("watch printed config content: %s", sc.Text())
			}
			var ev watchEventJSON
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				e.t.Errorf("watch --json line %q: %v", sc.Text(), err)
				continue
			}
			w.events <- ev
		}
	}()
	e.t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return w
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (w *watchProc) stderrText() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// next waits for the next event of kind for host.
func (w *watchProc) next(kind, host string) watchEventJSON {
	w.t.Helper()
	deadline := time.After(eventWait)
	for {
		select {
		case ev := <-w.events:
			if ev.Event == kind && (host == "" || ev.Hostname == host) {
				return ev
			}
			w.t.Logf("passed over event %s %s (%+v)", ev.Event, ev.Hostname, ev.Backup)
		case <-deadline:
			w.t.Fatalf("no %s event for %s; stderr:\n%s", kind, host, w.stderrText())
		}
	}
}

// backupOf waits for a backup of host holding data.
func (w *watchProc) backupOf(host string, data []byte) watchEventJSON {
	w.t.Helper()
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	for {
		ev := w.next("backup", host)
		if ev.Backup != nil && ev.Backup.SHA256 == want {
			return ev
		}
	}
}

// stop sends SIGTERM and returns the exit code.
func (w *watchProc) stop() int {
	w.t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	<-w.done
	err := w.cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return 0
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func configBytes(tag string) []byte {
	return []byte(`{"mcpServers": {"` + tag + `": {"command": "npx", "env": {"API_KEY": "` + secretMarker + `"}}}}` + "\n")
}

// TestWatchEveryKindOfSave: in place, temp file renamed over, delete and
// create, a symlinked config whose target changes and whose link is
// pointed elsewhere: each is backed up.
func TestWatchEveryKindOfSave(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	writeFile(t, cfg, configBytes("first"))
	w := e.startWatch("--host", "cursor", "--host", "vscode", "--debounce", "50ms", "--min-interval", "0") // vscode keeps its servers under "servers": every change here leaves them alone
	w.backupOf("cursor", configBytes("first"))                                                             // at start

	writeFile(t, cfg, configBytes("in-place"))
	w.backupOf("cursor", configBytes("in-place"))

	tmp := cfg + ".tmp"
	writeFile(t, tmp, configBytes("renamed"))
	if err := os.Rename(tmp, cfg); err != nil {
		t.Fatal(err)
	}
	w.backupOf("cursor", configBytes("renamed"))

	os.Remove(cfg)
	writeFile(t, cfg, configBytes("recreated"))
	ev := w.backupOf("cursor", configBytes("recreated"))
	if ev.Servers == nil || len(ev.Servers.Removed) != 1 || ev.Servers.Removed[0] != "renamed" {
		t.Errorf("servers of the recreated config: %+v", ev.Servers)
	}

	// vscode's config is a symlink into a dotfiles folder.
	dots := filepath.Join(e.home, "dotfiles")
	writeFile(t, filepath.Join(dots, "a.json"), configBytes("link-a"))
	writeFile(t, filepath.Join(dots, "b.json"), configBytes("link-b"))
	vs := filepath.Join(e.home, ".config", "Code", "User", "mcp.json")
	os.MkdirAll(filepath.Dir(vs), 0o755)
	if err := os.Symlink(filepath.Join(dots, "a.json"), vs); err != nil {
		t.Fatal(err)
	}
	w.backupOf("vscode", configBytes("link-a"))
	writeFile(t, filepath.Join(dots, "a.json"), configBytes("link-a2")) // the target changes
	w.backupOf("vscode", configBytes("link-a2"))
	tmpLink := vs + ".new"
	os.Symlink(filepath.Join(dots, "b.json"), tmpLink)
	if err := os.Rename(tmpLink, vs); err != nil { // ln -sf: the link points elsewhere
		t.Fatal(err)
	}
	w.backupOf("vscode", configBytes("link-b"))
	writeFile(t, filepath.Join(dots, "b.json"), configBytes("link-b2")) // the new target is watched
	w.backupOf("vscode", configBytes("link-b2"))

	if code := w.stop(); code != 0 {
		t.Fatalf("watch exit %d after SIGTERM\n%s", code, w.stderrText())
	}
	if n := len(e.listJSON("--host", "cursor")); n != 4 {
		t.Errorf("%d backups of cursor, want 4", n)
	}
}

// TestWatchBurstAndLaterFolder: a burst of writes gives one backup of the
// settled bytes; a config whose folder did not exist at start is backed
// up once it appears.
func TestWatchBurstAndLaterFolder(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".kiro", "settings", "mcp.json") // neither folder exists yet
	w := e.startWatch("--host", "kiro", "--debounce", "1s")
	writeFile(t, cfg, configBytes("later"))
	w.backupOf("kiro", configBytes("later"))
	for i := range 30 {
		writeFile(t, cfg, configBytes("burst-"+string(rune('a'+i%26))))
	}
	final := configBytes("settled")
	writeFile(t, cfg, final)
	w.backupOf("kiro", final)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := len(e.listJSON("--host", "kiro")); n != 2 {
		t.Errorf("%d backups after the burst, want 2 (the first config, the settled one)", n)
	}
}

// TestWatchStoreLocked: while another process holds the store, a change
// is one error line and the watch goes on; the next change backs up.
func TestWatchStoreLocked(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	writeFile(t, cfg, configBytes("one"))
	w := e.startWatch("--host", "cursor", "--debounce", "50ms", "--lock-timeout", "0")
	w.backupOf("cursor", configBytes("one"))
	release, err := store.Lock(e.root, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, configBytes("two"))
	ev := w.next("error", "cursor")
	if !strings.Contains(ev.Error, "lock") {
		t.Errorf("error event %+v", ev)
	}
	release()
	writeFile(t, cfg, configBytes("three"))
	w.backupOf("cursor", configBytes("three"))
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(w.stderrText(), "cursor") || strings.Count(w.stderrText(), "\n") < 2 {
		t.Errorf("stderr:\n%s", w.stderrText())
	}
}

// TestWatchSIGTERMDuringBackup: a SIGTERM while a backup waits for the
// store lock ends the watch with exit 0 only after that backup is durable.
func TestWatchSIGTERMDuringBackup(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	writeFile(t, cfg, configBytes("one"))
	w := e.startWatch("--host", "cursor", "--debounce", "10ms", "--lock-timeout", "60s")
	w.backupOf("cursor", configBytes("one"))
	release, err := store.Lock(e.root, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, cfg, configBytes("two"))
	time.Sleep(time.Second) // lets the debounce pass: the backup now waits for the lock
	w.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(200 * time.Millisecond)
	release()
	w.backupOf("cursor", configBytes("two"))
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, w.stderrText())
	}
	if n := len(e.listJSON("--host", "cursor")); n != 2 {
		t.Errorf("%d backups, want 2", n)
	}
}

// TestWatchServersRemovedNamesTheRepair: the stderr line of a backup that
// lost servers names the restore --servers command.
func TestWatchServersRemovedNamesTheRepair(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	writeFile(t, cfg, configBytes("keep"))
	cmd := exec.Command(binPath, "watch", "--host", "cursor", "--debounce", "50ms")
	cmd.Env, cmd.Dir = e.vars, e.home
	var stderr lockedWriter
	stderr.mu, stderr.w = &sync.Mutex{}, &bytes.Buffer{}
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	text := func() string { stderr.mu.Lock(); defer stderr.mu.Unlock(); return stderr.w.String() }
	waitFor := func(s string) {
		t.Helper()
		for end := time.Now().Add(eventWait); !strings.Contains(text(), s); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("no %q in:\n%s", s, text())
			}
		}
	}
	waitFor("cursor: backed up")
	writeFile(t, cfg, []byte(`{"mcpServers": {}}`))
	waitFor("restore --host cursor --servers")
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("watch: %v\n%s", err, text())
	}
	if !strings.Contains(text(), "removed: keep") || strings.Contains(text(), secretMarker) {
		t.Errorf("stderr:\n%s", text())
	}
}

// TestWatchLetsCompactAndReindexRun: the watch holds nothing of the store
// between backups, so compact and reindex run meanwhile (with the lock
// tried once), and the next change is backed up into the swapped index.
func TestWatchLetsCompactAndReindexRun(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	writeFile(t, cfg, configBytes("one"))
	w := e.startWatch("--host", "cursor", "--debounce", "50ms")
	w.backupOf("cursor", configBytes("one"))
	e.must(0, "--lock-timeout", "0", "compact")
	e.must(0, "--lock-timeout", "0", "reindex")
	writeFile(t, cfg, configBytes("two"))
	w.backupOf("cursor", configBytes("two"))
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if n := len(e.listJSON("--host", "cursor")); n != 2 {
		t.Errorf("%d backups, want 2", n)
	}
}
