//go:build !unix

package main

import "os"

// modelCanKill: no SIGKILL here; TestModel skips (see model_unix_test.go).
const modelCanKill = false

func modelKill(p *os.Process) error { return p.Kill() }
