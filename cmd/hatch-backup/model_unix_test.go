//go:build unix

package main

import (
	"os"
	"syscall"
)

// modelCanKill: the model test kills the binary with SIGKILL, which only
// unix has; elsewhere it is skipped (model_other_test.go).
const modelCanKill = true

// modelKill sends SIGKILL: no handler runs, nothing is flushed or rolled
// back, as in a crash.
func modelKill(p *os.Process) error { return p.Signal(syscall.SIGKILL) }
