package main

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestHugeDayCounts: a day count too large for a time.Duration (past
// 106,751 days) once wrapped around and compressed a backup made a second
// ago. Nothing is that old: compact compresses nothing and clean removes
// nothing.
func TestHugeDayCounts(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(filepath.Join(e.home, ".cursor", "mcp.json"), "x", 0o600)
	e.must(0, "create", "--host", "cursor")
	e.must(0, "create", "--host", "cursor")
	for _, days := range []int{106751, 106752, 150000, 213503, 213504, 1000000, 1 << 40} {
		n := strconv.Itoa(days)
		e.must(0, "compact", "--compress-older-than-days", n)
		e.must(0, "clean", "--older-than-days", n)
		bs := e.listJSON()
		if len(bs) != 2 {
			t.Fatalf("days %s: clean removed backups: %d left", n, len(bs))
		}
		for _, b := range bs {
			if b.Compression != "none" {
				t.Fatalf("days %s: compact compressed %s, made just now", n, b.Timestamp)
			}
		}
	}
}
