//go:build unix

package main

import (
	"os"
	"syscall"
)

// guardSignals are caught while COMMAND runs, and passed on to it.
var guardSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// forwardSignal passes sig on to p. A Ctrl-C or Ctrl-\ typed at the
// terminal reaches COMMAND by itself (the terminal signals the whole
// foreground process group): passed on again, a program that counts
// interrupts would take one Ctrl-C for two. Those are passed on only when
// stdin is no terminal, where they came from a kill.
func forwardSignal(p *os.Process, sig os.Signal) {
	if (sig == os.Interrupt || sig == syscall.SIGQUIT) && isTerminalFd(os.Stdin.Fd()) {
		return
	}
	_ = p.Signal(sig)
}
