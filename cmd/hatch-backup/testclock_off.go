//go:build !hatch_testclock

package main

import "time"

// testClock is nil, the real clock, in every build but the model test's
// (see testclock_on.go).
func (a *app) testClock() func() time.Time { return nil }
