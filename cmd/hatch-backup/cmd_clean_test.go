package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestCleanStreamMatchesWriteJSON: the document clean --json writes a
// verdict at a time is byte for byte the one writeJSON would write of
// the whole result, empty arrays included.
func TestCleanStreamMatchesWriteJSON(t *testing.T) {
	v := func(i int) store.Verdict {
		return store.Verdict{Backup: store.Backup{Host: "cursor", Timestamp: fmt.Sprint("20250921_10000", i, "_000000"),
			Created: time.Date(2025, 9, 21, 10, 0, i, 0, time.UTC), Path: fmt.Sprint("/r/cursor/f", i), Compression: "none"}, Reason: fmt.Sprint("reason ", i)}
	}
	for _, c := range []struct{ kept, removed int }{{0, 0}, {1, 0}, {0, 1}, {2, 3}} {
		for _, dry := range []bool{false, true} {
			var kept, removed []store.Verdict
			var got bytes.Buffer
			js := &cleanStream{w: &got, dryRun: dry}
			for i := range c.kept {
				kept = append(kept, v(i))
				if err := js.verdict(v(i), false); err != nil {
					t.Fatal(err)
				}
			}
			for i := range c.removed {
				removed = append(removed, v(5+i))
				if err := js.verdict(v(5+i), true); err != nil {
					t.Fatal(err)
				}
			}
			if err := js.end(); err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			a := &app{stdout: &want}
			if err := a.writeJSON(cleanJSON{DryRun: dry, Kept: verdictsJSON(kept), Removed: verdictsJSON(removed)}); err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("kept %d, removed %d, dry %v:\n%s\nwant\n%s", c.kept, c.removed, dry, got.String(), want.String())
			}
		}
	}
}
