//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// The crash suite of guard and undo: a child process (this test binary,
// re-executed into TestGuardCrashChild) runs Guard or Undo and kills
// itself with SIGKILL at the n-th time it reaches a named step. After
// every kill each config holds its old or its new content, the change
// sets read back, and an undo from there brings the configs to one of the
// two whole states.

// guardCrashSteps are the kill points: op, step, and which time it is
// reached.
var guardCrashSteps = []struct {
	op, step string
	n        int
}{
	{"guard", "guard-before-backups", 1},
	{"guard", "guard-recorded", 1},
	{"guard", "guard-after-backups", 1},
	{"guard", "guard-finished", 1},
	{"undo", "undo-recorded", 1},
	{"undo", "undo-step", 1},
	{"undo", "undo-before-remove", 1},
	{"undo", "undo-step", 2},
	{"undo", "undo-finished", 1},
}

func TestGuardCrashChild(t *testing.T) {
	home := os.Getenv("HATCH_GUARD_CRASH_HOME")
	if home == "" {
		t.Skip("run by TestGuardUndoCrash")
	}
	step, n := os.Getenv("HATCH_GUARD_CRASH_STEP"), 0
	want, _ := strconv.Atoi(os.Getenv("HATCH_GUARD_CRASH_N"))
	crashPoint = func(s string) {
		if s == step {
			if n++; n == want {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	f := reopenGuardFixture(t, home)
	s := f.open()
	var err error
	if os.Getenv("HATCH_GUARD_CRASH_OP") == "guard" {
		_, err = s.Guard(context.Background(), []string{"cursor", "codex"}, f.installer)
	} else {
		_, err = s.Undo(context.Background(), UndoOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("finished without reaching the kill point")
}

// reopenGuardFixture is newGuardFixture's layout at an existing home.
func reopenGuardFixture(t *testing.T, home string) *guardFixture {
	env := DefaultEnv()
	env.GOOS = runtime.GOOS
	env.Getenv = func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	f := &guardFixture{t: t, home: home, root: filepath.Join(home, "backups"),
		cursor: filepath.Join(home, ".cursor", "mcp.json"), code: filepath.Join(home, ".codex", "config.toml")}
	f.opts = Options{Root: f.root, Env: &env, LockTimeout: 5e9}
	return f
}

func TestGuardUndoCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	for _, k := range guardCrashSteps {
		t.Run(fmt.Sprintf("%s-%s-%d", k.op, k.step, k.n), func(t *testing.T) {
			f := newGuardFixture(t)
			if k.op == "undo" {
				s := f.open()
				if _, err := s.Guard(context.Background(), []string{"cursor", "codex"}, f.installer); err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestGuardCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HATCH_GUARD_CRASH_HOME="+f.home, "HATCH_GUARD_CRASH_OP="+k.op,
				"HATCH_GUARD_CRASH_STEP="+k.step, "HATCH_GUARD_CRASH_N="+strconv.Itoa(k.n))
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || !ee.ProcessState.Sys().(syscall.WaitStatus).Signaled() {
				t.Fatalf("child was not killed: %v\n%s", err, out)
			}
			// Every config old or new.
			if c := f.content(f.cursor); c != cursorA && c != cursorB {
				t.Fatalf("cursor holds %q", c)
			}
			if c := f.content(f.code); c != "" && c != codexZ {
				t.Fatalf("codex holds %q", c)
			}
			// The change sets read back, and an undo (forced: a guard
			// killed half way left no after state to compare with) ends
			// in one whole state.
			s := f.open()
			last, err := s.LastChangeSet(context.Background())
			if k.op == "guard" && k.step == "guard-before-backups" {
				if err == nil {
					t.Fatalf("a change set recorded before its step: %+v", last)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Undo(context.Background(), UndoOptions{Force: true}); err != nil {
				t.Fatal(err)
			}
			state := f.content(f.cursor) + "|" + f.content(f.code)
			if state != cursorA+"|" && state != cursorB+"|"+codexZ {
				t.Fatalf("after undo: %s", strings.ReplaceAll(state, "\n", " "))
			}
			if errs := verifyProblems(t, s); errs != "" {
				t.Fatalf("verify: %s", errs)
			}
		})
	}
}

// verifyProblems runs Verify on s and returns its problems, one string.
func verifyProblems(t *testing.T, s *Store) string {
	t.Helper()
	res, err := s.Verify(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range res.Problems {
		out = append(out, p.String())
	}
	return strings.Join(out, "; ")
}
