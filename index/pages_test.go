package index

import (
	"path/filepath"
	"testing"
	"time"
)

// TestLongListingReleasesPagesSafely: a listing longer than several page
// releases, on a read-write and on a read-only index, returns every record
// intact and in order.
func TestLongListingReleasesPagesSafely(t *testing.T) {
	n := 3*releaseEvery + 17
	hosts := []string{"cursor", "vscode", "codex"}
	want := make([]Record, n)
	for i := range want {
		want[i] = rec(hosts[i%3], t0.Add(time.Duration(i)*time.Second))
	}
	// check lists q and expects want's records of host (all when ""),
	// newest first.
	check := func(t *testing.T, db *DB, q Query, host string) {
		t.Helper()
		var exp []Record
		for i := n - 1; i >= 0; i-- {
			if host == "" || want[i].Host == host {
				exp = append(exp, want[i])
			}
		}
		got := 0
		err := db.List(q, func(r Record) error {
			if got >= len(exp) || !equalRecords(r, exp[got]) {
				t.Fatalf("record %d: got %+v", got, r)
			}
			got++
			return nil
		})
		if err != nil || got != len(exp) {
			t.Fatalf("List: %v, %d of %d records", err, got, len(exp))
		}
	}
	path := filepath.Join(t.TempDir(), "index.db")
	build, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := makeLayout(build); err != nil {
		t.Fatal(err)
	}
	mustPut(t, build, want...)
	check(t, build, Query{}, "")
	build.Close()

	ro := openIndex(t, path, Options{ReadOnly: true})
	check(t, ro, Query{}, "")
	check(t, ro, Query{Hosts: []string{"codex"}}, "codex")
}
