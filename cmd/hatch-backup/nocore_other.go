//go:build !unix

package main

// noCoreDumps: Windows writes no core file unless the user set it up.
func noCoreDumps() {}
