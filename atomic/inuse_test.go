package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// sleeps is a retryPolicy sleep that waits for nothing and remembers what
// it was asked to wait.
type sleeps []time.Duration

func (s *sleeps) sleep(d time.Duration) { *s = append(*s, d) }

func (s sleeps) total() (t time.Duration) {
	for _, d := range s {
		t += d
	}
	return t
}

// windowsPolicy is the Windows retry policy, runnable on any OS.
func windowsPolicy(s *sleeps) retryPolicy {
	return retryPolicy{inUse: windowsInUse, sleep: s.sleep, budget: inUseBudget}
}

// flaky makes the next fails publishes (either rename) fail with err,
// after running before (if set); then the real FS takes over.
type flaky struct {
	FS
	fails  int
	err    error
	before func(newpath string)
}

func (f *flaky) fail(op, oldpath, newpath string) error {
	if f.fails == 0 {
		return nil
	}
	f.fails--
	if f.before != nil {
		f.before(newpath)
	}
	return &os.LinkError{Op: op, Old: oldpath, New: newpath, Err: f.err}
}

func (f *flaky) Rename(oldpath, newpath string) error {
	if err := f.fail("movefileex", oldpath, newpath); err != nil {
		return err
	}
	return f.FS.Rename(oldpath, newpath)
}

func (f *flaky) RenameNoReplace(oldpath, newpath string) error {
	if err := f.fail("movefileex", oldpath, newpath); err != nil {
		return err
	}
	return f.FS.RenameNoReplace(oldpath, newpath)
}

func TestWindowsInUse(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"sharing violation", &os.LinkError{Op: "movefileex", Err: winErrorSharingViolation}, true},
		{"lock violation", &fs.PathError{Op: "open", Err: winErrorLockViolation}, true},
		{"access denied", &os.LinkError{Op: "movefileex", Err: winErrorAccessDenied}, true},
		{"file not found (2)", &os.LinkError{Op: "movefileex", Err: syscall.Errno(2)}, false},
		{"already exists (183)", &os.LinkError{Op: "movefileex", Err: syscall.Errno(183)}, false},
		{"not an errno", errors.New("access denied"), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := windowsInUse(c.err); got != c.want {
				t.Errorf("windowsInUse(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
	// Outside Windows the same numbers are EIO, EPIPE and EDOM: never
	// retried there.
	if runtime.GOOS != "windows" && (inUse(winErrorAccessDenied) || inUse(winErrorSharingViolation)) {
		t.Error("the platform classifier retries Unix errors")
	}
}

// The schedule: doubling pauses, capped, within the budget, then ErrInUse
// wrapping the last error.
func TestRetrySchedule(t *testing.T) {
	var s sleeps
	attempts := 0
	last := &os.LinkError{Op: "movefileex", Old: "a", New: "b", Err: winErrorSharingViolation}
	err := windowsPolicy(&s).do(func() error { attempts++; return last }, nil)
	if !errors.Is(err, ErrInUse) || !errors.Is(err, winErrorSharingViolation) {
		t.Fatalf("got %v, want ErrInUse wrapping the sharing violation", err)
	}
	if s.total() > inUseBudget {
		t.Errorf("slept %s in all, budget %s", s.total(), inUseBudget)
	}
	if attempts != len(s)+1 {
		t.Errorf("%d attempts for %d pauses", attempts, len(s))
	}
	for i, d := range s {
		if d > maxInUsePause || (i > 0 && d < s[i-1]) {
			t.Errorf("pause %d is %s (pauses %v)", i, d, s)
		}
	}
	if s.total() < inUseBudget-maxInUsePause {
		t.Errorf("gave up after %s, well before the budget %s", s.total(), inUseBudget)
	}
}

// A live config held by another program: retried, then ErrInUse with the
// target unchanged and no temp file; freed in time: written.
func TestReplaceFileInUse(t *testing.T) {
	cases := []struct {
		name      string
		errno     syscall.Errno
		fails     int
		wantInUse bool
	}{
		{"sharing violation, never freed", winErrorSharingViolation, 1 << 30, true},
		{"lock violation, never freed", winErrorLockViolation, 1 << 30, true},
		{"access denied, never freed", winErrorAccessDenied, 1 << 30, true},
		{"freed after 3 tries", winErrorSharingViolation, 3, false},
		{"other error: not retried", syscall.Errno(87), 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "claude_desktop_config.json")
			writeFile(t, path, "old", 0o640)
			var s sleeps
			fsys := &flaky{FS: OS(), fails: c.fails, err: c.errno}
			err := replaceFile(fsys, path, []byte("new"), 0o600, windowsPolicy(&s))
			assertNoTemp(t, dir)
			switch {
			case c.wantInUse:
				if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %v, want ErrInUse naming %s", err, path)
				}
				assertContent(t, path, "old")
				assertMode(t, path, 0o640)
			case c.errno == winErrorSharingViolation:
				if err != nil {
					t.Fatal(err)
				}
				assertContent(t, path, "new")
				if len(s) != c.fails {
					t.Errorf("%d pauses, want %d", len(s), c.fails)
				}
			default:
				if err == nil || errors.Is(err, ErrInUse) || len(s) != 0 {
					t.Fatalf("got %v after %d pauses, want the error at once", err, len(s))
				}
				assertContent(t, path, "old")
			}
		})
	}
}

func TestWriteNewInUse(t *testing.T) {
	cases := []struct {
		name  string
		fails int
		taken bool // the name is taken while the publish fails
		want  error
	}{
		{"never freed", 1 << 30, false, ErrInUse},
		{"freed after 2 tries", 2, false, nil},
		{"name taken meanwhile", 1 << 30, true, ErrExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json.cursor.20250921_101112_131415")
			fsys := &flaky{FS: OS(), fails: c.fails, err: winErrorAccessDenied}
			if c.taken {
				fsys.before = func(p string) { os.WriteFile(p, []byte("theirs"), 0o600) }
			}
			var s sleeps
			err := writeNew(fsys, path, []byte("ours"), 0o600, time.Time{}, windowsPolicy(&s))
			assertNoTemp(t, dir)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				assertContent(t, path, "ours")
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if c.taken {
				assertContent(t, path, "theirs")
				if len(s) != 0 {
					t.Errorf("waited %v for a taken name", s)
				}
			} else {
				assertMissing(t, path)
			}
		})
	}
}
