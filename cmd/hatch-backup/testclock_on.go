//go:build hatch_testclock

package main

import (
	"fmt"
	"time"
)

// testClock is the store's clock in a build for the model test
// (model_test.go): the real clock moved by HATCH_TEST_CLOCK_OFFSET (a Go
// duration such as "72h" or "-50h"), so that a test can jump the clock of
// a real binary forwards and backwards. Builds without the hatch_testclock
// tag never read the variable (testclock_off.go).
func (a *app) testClock() func() time.Time {
	s := a.getenv("HATCH_TEST_CLOCK_OFFSET")
	if s == "" {
		return nil
	}
	offset, err := time.ParseDuration(s)
	if err != nil {
		// A test build only: a typo must not silently run on the real clock.
		panic(fmt.Sprintf("HATCH_TEST_CLOCK_OFFSET %q: not a duration", s))
	}
	return func() time.Time { return time.Now().Add(offset) }
}
