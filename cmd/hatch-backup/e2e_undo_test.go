package main

import "testing"

// TestUndoWithNothingRecorded: exit 10, and runs says there is none.
func TestUndoWithNothingRecorded(t *testing.T) {
	e := newEnv(t)
	e.must(10, "undo")
	e.must(0, "runs")
}
