//go:build windows

package main

import "os"

// guardSignals are caught while COMMAND runs, so that guard outlives it and
// takes the after backups.
var guardSignals = []os.Signal{os.Interrupt}

// forwardSignal does nothing on Windows: a console's Ctrl-C and Ctrl-Break
// reach every process attached to it, COMMAND included, and Windows has
// no other signal to pass on (os.Process.Signal supports only Kill).
func forwardSignal(*os.Process, os.Signal) {}
