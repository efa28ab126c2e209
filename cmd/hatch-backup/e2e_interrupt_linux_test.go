//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestInterruptLongCommand: Ctrl-C in the middle of a long command stops
// it with exit 130 and a line saying so, long before it would have
// finished, and changes nothing. The signal is sent once the process has
// the index open (seen in /proc), which is after the command armed its
// signal context and before the work on 20,000 backups, which takes
// hundreds of milliseconds even on a fast machine.
func TestInterruptLongCommand(t *testing.T) {
	for _, args := range [][]string{{"verify"}, {"reindex"}} {
		t.Run(args[0], func(t *testing.T) {
			e := newEnv(t)
			if err := store.Generate(store.GenSpec{Root: e.root, N: 20000, Size: 64, Files: true}); err != nil {
				t.Fatal(err)
			}
			// Any command makes the lock file; it is not the change looked for.
			if err := os.WriteFile(filepath.Join(e.root, "lock"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, e.home)
			cmd := exec.Command(binPath, args...)
			var stdout, stderr bytes.Buffer
			cmd.Env, cmd.Stdout, cmd.Stderr = e.vars, &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			index := filepath.Join(e.root, "index.db")
			for !hasOpen(cmd.Process.Pid, index) {
				select {
				case <-done:
					t.Fatalf("%s ended before it opened the index: %s %s", args[0], stdout.String(), stderr.String())
				case <-time.After(200 * time.Microsecond):
				}
			}
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("an interrupted %s did not stop", args[0])
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("exit %d, stderr %q; want 130 and a line saying it was interrupted", code, stderr.String())
			}
			sameSnapshot(t, "an interrupted "+args[0], before, snapshot(t, e.home))
		})
	}
}

// hasOpen reports whether process pid has the file name open.
func hasOpen(pid int, name string) bool {
	dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	fds, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == name {
			return true
		}
	}
	return false
}
