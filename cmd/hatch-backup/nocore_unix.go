//go:build unix

package main

import "golang.org/x/sys/unix"

// noCoreDumps keeps the passphrase and the key out of a core file: a
// command that reads them crashes without one.
func noCoreDumps() {
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
}
