package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
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

// TestReindexStreamMatchesWriteJSON: reindex --json, written a backup at a
// time, is the document writeJSON would write of the whole result (its
// fields in another order), empty arrays included.
func TestReindexStreamMatchesWriteJSON(t *testing.T) {
	b := func(i int) store.Backup {
		return store.Backup{Host: "cursor", Timestamp: fmt.Sprint("20250921_10000", i, "_000000"),
			Created: time.Date(2025, 9, 21, 10, 0, i, 0, time.UTC), Path: fmt.Sprint("/r/cursor/f", i), Compression: "none"}
	}
	for _, c := range []struct{ dropped, adopted int }{{0, 0}, {1, 0}, {0, 2}, {2, 3}} {
		var got bytes.Buffer
		js := &reindexStream{w: &got}
		res := store.ReindexResult{Checked: 7, RemovedTemp: []string{"/r/t"}, Finished: []store.Backup{b(9)},
			Problems: []store.Problem{{Kind: store.ProblemUnknown, Path: "/r/x", Detail: "d"}}}
		if c.adopted > 0 {
			res.MovedIndex = "/r/index.db.corrupt-x"
		}
		for i := range c.dropped {
			res.Dropped = append(res.Dropped, b(i))
			if err := js.dropped(b(i)); err != nil {
				t.Fatal(err)
			}
		}
		for i := range c.adopted {
			res.Adopted = append(res.Adopted, b(5+i))
			if err := js.adopted(b(5 + i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := js.end(res); err != nil {
			t.Fatal(err)
		}
		out := reindexJSON{Adopted: backupsToJSON(res.Adopted), Finished: backupsToJSON(res.Finished), Dropped: backupsToJSON(res.Dropped),
			RemovedTemp: nonNil(res.RemovedTemp), Tightened: nonNil(res.Tightened), Checked: res.Checked, Problems: problemsToJSON(res.Problems)}
		if res.MovedIndex != "" {
			out.MovedIndex = &res.MovedIndex
		}
		var want bytes.Buffer
		if err := (&app{stdout: &want}).writeJSON(out); err != nil {
			t.Fatal(err)
		}
		var g, w map[string]any
		if err := json.Unmarshal(got.Bytes(), &g); err != nil {
			t.Fatalf("%v:\n%s", err, got.String())
		}
		if err := json.Unmarshal(want.Bytes(), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("dropped %d, adopted %d:\n%s\nwant\n%s", c.dropped, c.adopted, got.String(), want.String())
		}
	}
}
