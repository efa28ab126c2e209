package index

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func mustLock(t *testing.T, path string, exclusive bool) *Lock {
	t.Helper()
	l, err := AcquireLock(path, exclusive, 0)
	if err != nil {
		t.Fatalf("AcquireLock(exclusive=%v): %v", exclusive, err)
	}
	t.Cleanup(func() { l.Release() })
	return l
}

func TestLockConflicts(t *testing.T) {
	cases := []struct {
		name          string
		first, second bool // exclusive?
		conflict      bool
	}{
		{"exclusive vs exclusive", true, true, true},
		{"exclusive vs shared", true, false, true},
		{"shared vs exclusive", false, true, true},
		{"shared vs shared", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			mustLock(t, path, c.first)
			// A second open of the file in this process: flock is per open
			// file, so it conflicts as another process would.
			const timeout = 150 * time.Millisecond
			start := time.Now()
			l, err := AcquireLock(path, c.second, timeout)
			took := time.Since(start)
			if !c.conflict {
				if err != nil {
					t.Fatal(err)
				}
				l.Release()
				return
			}
			wantErr(t, err, ErrLocked)
			if !strings.Contains(err.Error(), path) {
				t.Errorf("message %q does not name %s", err, path)
			}
			if took < timeout || took > timeout+2*time.Second {
				t.Errorf("gave up after %s, want about %s", took, timeout)
			}
		})
	}
}

func TestLockTryOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	mustLock(t, path, true)
	for _, timeout := range []time.Duration{0, -time.Second} {
		start := time.Now()
		_, err := AcquireLock(path, true, timeout)
		wantErr(t, err, ErrLocked)
		if took := time.Since(start); took > 100*time.Millisecond {
			t.Errorf("timeout %s: waited %s, want one attempt", timeout, took)
		}
	}
}

func TestLockRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l := mustLock(t, path, true)
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	mustLock(t, path, true)
}

// TestLockWaits: a waiter gets the lock once the holder lets go.
func TestLockWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	holder := mustLock(t, path, true)
	time.AfterFunc(100*time.Millisecond, func() { holder.Release() })
	l, err := AcquireLock(path, false, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}

func TestLockNotRegular(t *testing.T) {
	dir := t.TempDir()
	_, err := AcquireLock(dir, true, 0)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("AcquireLock of a directory: %v", err)
	}
}

// TestHelperProcess is not a test: the cross-process tests run the test
// binary again with HATCH_INDEX_HELPER set to "lock:<path>:<mode>" or
// "index:<path>". It takes the lock or opens the index, prints "held",
// and keeps it until its stdin closes.
func TestHelperProcess(t *testing.T) {
	spec := os.Getenv("HATCH_INDEX_HELPER")
	if spec == "" {
		t.Skip("helper for the cross-process tests")
	}
	kind, rest, _ := strings.Cut(spec, ":")
	var release func() error
	switch kind {
	case "lock":
		i := strings.LastIndexByte(rest, ':') // a Windows path has a colon too
		path, mode := rest[:i], rest[i+1:]
		l, err := AcquireLock(path, mode == "exclusive", 0)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		release = l.Release
	case "index":
		db, err := Open(rest, Options{})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		release = db.Close
	}
	fmt.Println("held")
	bufio.NewReader(os.Stdin).ReadString('\n')
	release()
	os.Exit(0)
}

// holdInChild starts the helper and waits until it holds spec; the
// returned function makes it let go and waits for it to exit.
func holdInChild(t *testing.T, spec string) (letGo func()) {
	t.Helper()
	var (
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout io.ReadCloser
	)
	// A helper that could not be started never ran; Wine's CreateProcess
	// fails now and then with "Internal error", so a few tries, logged.
	for try := 1; ; try++ {
		cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "HATCH_INDEX_HELPER="+spec)
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
		if stdout, err = cmd.StdoutPipe(); err != nil {
			t.Fatal(err)
		}
		err = cmd.Start()
		if err == nil {
			break
		}
		if try == 5 {
			t.Fatal(err)
		}
		t.Logf("starting the helper failed (%v); try %d", err, try+1)
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "held" {
		stdin.Close()
		cmd.Wait()
		t.Fatalf("helper %s: %q", spec, line)
	}
	done := false
	letGo = func() {
		if !done {
			done = true
			stdin.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper %s: %v", spec, err)
			}
		}
	}
	t.Cleanup(letGo)
	return letGo
}

func TestLockAcrossProcesses(t *testing.T) {
	cases := []struct {
		child  string
		ours   bool // exclusive?
		locked bool
	}{
		{"exclusive", true, true},
		{"exclusive", false, true},
		{"shared", true, true},
		{"shared", false, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("child %s, exclusive=%v", c.child, c.ours), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "lock")
			letGo := holdInChild(t, "lock:"+path+":"+c.child)
			l, err := AcquireLock(path, c.ours, 100*time.Millisecond)
			if !c.locked {
				if err != nil {
					t.Fatal(err)
				}
				l.Release()
				return
			}
			wantErr(t, err, ErrLocked)
			letGo()
			l, err = AcquireLock(path, c.ours, time.Second)
			if err != nil {
				t.Fatalf("after the child exited: %v", err)
			}
			l.Release()
		})
	}
}

func TestIndexLockedAcrossProcesses(t *testing.T) {
	path, _ := writeIndex(t, 3)
	letGo := holdInChild(t, "index:"+path)
	for _, ro := range []bool{false, true} {
		_, err := Open(path, Options{ReadOnly: ro, Timeout: 100 * time.Millisecond})
		wantErr(t, err, ErrLocked)
	}
	letGo()
	openIndex(t, path, Options{Timeout: time.Second})
}
