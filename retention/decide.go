package retention

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Item is one backup as the policy sees it.
type Item struct {
	// ID is opaque to this package: the caller's handle to find the backup
	// again (a file name, an index key). It breaks ties in Created.
	ID      string
	Host    string
	Created time.Time // the backup's instant; its location does not matter
	// Unparsable: the backed-up config did not parse as its host's format.
	// The zero value means it parsed (or was not checked).
	Unparsable bool
	// Safety: a restore took this backup of the content it was about to
	// replace; restore does not take it by default, so the newest backup
	// that is not one is protected.
	Safety bool
	// Future: the caller judged the backup dated too far after now to be
	// trusted (the store: more than a day). It is always kept, and takes
	// no place among the newest: it is not counted by KeepCount and gets
	// none of the newest-of protections.
	Future bool
}

// Decision is the verdict on one Item.
type Decision struct {
	Item
	Keep   bool
	Reason string // why, for people: "newest of cursor", "older than 30 days"
}

// Decide judges every item under p, as of now, with calendar buckets in loc
// (nil means UTC). It returns one Decision per item, ordered by host, then
// newest first (see the package documentation for ties). On an invalid
// policy it returns no decisions and an error wrapping ErrInvalid or
// ErrNoCriterion. items is not modified.
func Decide(items []Item, p Policy, now time.Time, loc *time.Location) ([]Decision, error) {
	j, err := NewJudge(p, now, loc)
	if err != nil {
		return nil, err
	}
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, compare)
	out := make([]Decision, 0, len(sorted))
	for _, it := range sorted {
		out = append(out, j.Next(it))
	}
	return out, nil
}

// compare orders by host, then newest first. Equal instants fall back to
// the ID, then Unparsable, descending like time, so that the order is
// total: whichever order the items came in, the result is the same.
func compare(a, b Item) int {
	if c := strings.Compare(a.Host, b.Host); c != 0 {
		return c
	}
	if c := b.Created.Compare(a.Created); c != 0 {
		return c
	}
	if c := strings.Compare(b.ID, a.ID); c != 0 {
		return c
	}
	if c := cmp.Compare(boolInt(b.Unparsable), boolInt(a.Unparsable)); c != 0 {
		return c
	}
	if c := cmp.Compare(boolInt(b.Safety), boolInt(a.Safety)); c != 0 {
		return c
	}
	return cmp.Compare(boolInt(b.Future), boolInt(a.Future))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func hostName(h string) string {
	if h == "" {
		return "its host"
	}
	return h
}
