package index

import (
	"path/filepath"
	"testing"
	"time"
)

// TestNewest: the newest record at or before an instant that passes a
// filter, found by one seek and backward steps over the refused records
// only: a record dated 2099 or a safety backup never hides the one asked
// for.
func TestNewest(t *testing.T) {
	db := newIndex(t)
	old, safety, good := rec("cursor", t0), rec("cursor", t0.Add(time.Hour)), rec("cursor", t0.Add(2*time.Hour))
	safety.Safety = true
	future := rec("cursor", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))
	other := rec("vscode", t0.Add(3*time.Hour))
	mustPut(t, db, old, safety, good, future, other)
	notSafety := func(r Record) bool { return !r.Safety }
	cases := []struct {
		name  string
		until time.Time
		keep  func(Record) bool
		want  Record
		steps int // records keep sees
	}{
		{"no bound takes the 2099 record", time.Time{}, nil, future, 0},
		{"a bound below 2099 skips it", t0.Add(24 * time.Hour), nil, good, 0},
		{"the bound is inclusive", good.Created, nil, good, 0},
		{"a microsecond before", good.Created.Add(-time.Microsecond), nil, safety, 0},
		{"the filter skips the safety backup", t0.Add(90 * time.Minute), notSafety, old, 2},
		{"the filter passes the newest", t0.Add(24 * time.Hour), notSafety, good, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seen := 0
			keep := c.keep
			if keep != nil {
				keep = func(r Record) bool { seen++; return c.keep(r) }
			}
			got, err := db.Newest("cursor", c.until, keep)
			if err != nil {
				t.Fatal(err)
			}
			if !equalRecords(got, c.want) {
				t.Errorf("got %s, want %s", label(got), label(c.want))
			}
			if seen != c.steps {
				t.Errorf("keep saw %d records, want %d: the search did not start at the bound", seen, c.steps)
			}
		})
	}
	for name, q := range map[string]struct {
		host  string
		until time.Time
		keep  func(Record) bool
	}{
		"before every record":  {"cursor", t0.Add(-time.Second), nil},
		"before 1970":          {"cursor", time.Unix(-5, 0), nil},
		"nothing passes":       {"cursor", time.Time{}, func(Record) bool { return false }},
		"a host without any":   {"codex", time.Time{}, nil},
		"only the safety left": {"cursor", safety.Created, func(r Record) bool { return r.Safety && r.Created.Before(safety.Created) }},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := db.Newest(q.host, q.until, q.keep)
			wantErr(t, err, ErrNotFound)
		})
	}
}

// TestSafetyFlagSurvives: the safety mark is stored, read back by every
// query and kept by a compaction.
func TestSafetyFlagSurvives(t *testing.T) {
	db := newIndex(t)
	r := rec("cursor", t0)
	r.Safety = true
	plain := rec("cursor", t0.Add(time.Second))
	mustPut(t, db, r, plain)
	check := func(db *DB, what string) {
		t.Helper()
		got, err := db.Get("cursor", r.Timestamp, r.Created)
		if err != nil || !got.Safety {
			t.Errorf("%s: Get: safety %v, %v", what, got.Safety, err)
		}
		var marks []bool
		db.List(Query{}, func(x Record) error { marks = append(marks, x.Safety); return nil })
		if len(marks) != 2 || marks[0] || !marks[1] {
			t.Errorf("%s: List marks %v, want [false true]", what, marks)
		}
	}
	check(db, "after put")
	dst := filepath.Join(t.TempDir(), "compact.db")
	if err := db.CompactTo(dst); err != nil {
		t.Fatal(err)
	}
	check(openIndex(t, dst, Options{ReadOnly: true}), "after compaction")
}
