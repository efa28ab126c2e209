package retention_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below exist on every machine

	"github.com/hatch-backup/hatch-backup/retention"
)

// now is the injected clock of the tests that do not set their own.
var now = time.Date(2025, 9, 21, 12, 0, 0, 0, time.UTC)

func ip(n int) *int { return &n }

func day(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

// it is a parsing backup of host "cursor".
func it(id string, created time.Time) retention.Item {
	return retention.Item{ID: id, Host: "cursor", Created: created}
}

func broken(id string, created time.Time) retention.Item {
	i := it(id, created)
	i.Unparsable = true
	return i
}

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// utcAt builds an instant from UTC and checks that it reads as want (layout
// "2006-01-02 15:04:05.999999 MST") in loc: around DST changes a wall-clock
// time can be ambiguous or missing, so the tests name instants by UTC and
// assert what they look like locally.
func utcAt(t *testing.T, loc *time.Location, utc, want string) time.Time {
	t.Helper()
	u, err := time.Parse("2006-01-02 15:04:05.999999", utc)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.In(loc).Format("2006-01-02 15:04:05.999999 MST"); got != want {
		t.Fatalf("%s UTC is %s in %s, want %s", utc, got, loc, want)
	}
	return u
}

// verdicts runs Decide and renders each decision as "keep: reason" or
// "remove: reason", by ID.
func verdicts(t *testing.T, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location) map[string]string {
	t.Helper()
	ds, err := retention.Decide(items, p, now, loc)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	if len(ds) != len(items) {
		t.Fatalf("%d decisions for %d items", len(ds), len(items))
	}
	got := make(map[string]string, len(ds))
	for _, d := range ds {
		got[d.ID] = verdict(d)
	}
	return got
}

func verdict(d retention.Decision) string {
	if d.Keep {
		return "keep: " + d.Reason
	}
	return "remove: " + d.Reason
}

// check compares Decide's verdicts with want, reporting every difference.
func check(t *testing.T, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location, want map[string]string) {
	t.Helper()
	got := verdicts(t, items, p, now, loc)
	var diff []string
	for _, id := range sortedKeys(got, want) {
		if got[id] != want[id] {
			diff = append(diff, fmt.Sprintf("%s: got %q, want %q", id, got[id], want[id]))
		}
	}
	if len(diff) > 0 {
		t.Errorf("decisions differ:\n%s", strings.Join(diff, "\n"))
	}
}

func sortedKeys(ms ...map[string]string) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}
