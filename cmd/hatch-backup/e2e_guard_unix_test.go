//go:build unix

package main

import (
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGuardCommandKilled: a COMMAND killed by a signal gives 128+N, and
// the change it made before is backed up and recorded.
func TestGuardCommandKilled(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(e.cursorPath(), "a", 0o600)
	r := e.run("guard", "--", "sh", "-c", `printf '{"mcpServers": {}}' > "$1"; kill -9 $$`, "sh", e.cursorPath())
	if r.code != 128+9 || !strings.Contains(r.stderr, "cursor: changed") {
		t.Fatalf("guard: %s", r)
	}
}

// TestGuardForwardsSIGTERM: a SIGTERM to guard reaches COMMAND, and guard
// takes the after backups before it exits with COMMAND's code.
func TestGuardForwardsSIGTERM(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(e.cursorPath(), "a", 0o600)
	cmd := exec.Command(binPath, "guard", "--", "sh", "-c",
		`printf '{"mcpServers": {}}' > "$1"; trap 'echo got-term; exit 42' TERM; while :; do sleep 0.05; done`, "sh", e.cursorPath())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Env, cmd.Dir = &out, &errb, e.vars, e.home
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(eventWait); !strings.Contains(readOrEmpty(t, e.cursorPath()), "{}"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("COMMAND never ran")
		}
	}
	time.Sleep(100 * time.Millisecond) // the trap is set right after the write
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	ee, _ := err.(*exec.ExitError)
	if ee == nil || ee.ExitCode() != 42 || !strings.Contains(out.String(), "got-term") || !strings.Contains(errb.String(), "cursor: changed") {
		t.Fatalf("guard after SIGTERM: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
}
