package main

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestProgressOnTerminal opens a real pseudo-terminal: isTerminal sees it,
// and create --all's callback draws on it.
func TestProgressOnTerminal(t *testing.T) {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skip(err)
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skip(err)
	}
	tty, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer tty.Close()
	if !isTerminal(tty) {
		t.Fatal("a pty is not a terminal")
	}
	a := &app{stderr: tty}
	p := a.progress("create --all")
	if p == nil {
		t.Fatal("no progress bar on a terminal")
	}
	p(1, 1)
	buf := make([]byte, 256)
	k, _ := ptmx.Read(buf)
	if got := string(buf[:k]); !strings.Contains(got, "create --all [") || !strings.Contains(got, "1/1") {
		t.Errorf("terminal got %q", got)
	}
	a.json = true
	if a.progress("x") != nil {
		t.Error("a progress bar with --json")
	}
}
