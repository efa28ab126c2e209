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
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, compare)
	out := make([]Decision, 0, len(sorted))
	cal := newCalendar(p, now, loc)
	w := p.wording()
	for len(sorted) > 0 {
		n := hostRun(sorted)
		out = decideHost(out, sorted[:n], p, w, now, cal)
		sorted = sorted[n:]
		cal.reset()
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
	return cmp.Compare(boolInt(b.Unparsable), boolInt(a.Unparsable))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hostRun is the length of the leading run of items with the first one's host.
func hostRun(items []Item) int {
	n := 1
	for n < len(items) && items[n].Host == items[0].Host {
		n++
	}
	return n
}

// decideHost judges one host's items, sorted newest first, and appends the
// decisions to out.
func decideHost(out []Decision, items []Item, p Policy, w wording, now time.Time, cal *calendar) []Decision {
	parses := slices.IndexFunc(items, func(it Item) bool { return !it.Unparsable })
	for rank, it := range items {
		bucketReason := cal.protect(it.Created)
		d := Decision{Item: it, Keep: true}
		switch c := p.judge(it.Created, now, rank); {
		case !c.candidate():
			d.Reason = w.keepReason(it.Created, now)
		case rank == 0:
			d.Reason = "newest of " + hostName(it.Host)
		case rank == parses:
			d.Reason = "newest that parses"
		case bucketReason != "":
			d.Reason = bucketReason
		default:
			d.Keep, d.Reason = false, w.removeReason(c)
		}
		out = append(out, d)
	}
	return out
}

func hostName(h string) string {
	if h == "" {
		return "its host"
	}
	return h
}
