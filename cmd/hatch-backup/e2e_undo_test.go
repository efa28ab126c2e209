package main

import (
	"path/filepath"
	"testing"
)

// TestUndoWithNothingRecorded: exit 10, and runs says there is none.
func TestUndoWithNothingRecorded(t *testing.T) {
	e := newEnv(t)
	// A root one level below the home: under Wine 8, a default root two
	// missing levels down (.hatch\mcp_host_config_backups) is refused as
	// "a file is on its path" by every command (rootState), not by undo.
	root := filepath.Join(e.home, "store")
	e.must(10, "--root", root, "undo")
	e.must(0, "--root", root, "runs")
}
