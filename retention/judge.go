package retention

import "time"

// Judge decides items one at a time, in Decide's order (by host, then
// newest first), with state that does not grow with the number of items:
// every rule is decidable in one newest-first pass (the rank among the
// newest, the first item that parses, the first that is not a safety
// backup, the newest of each calendar bucket). A caller that streams a
// host's backups newest first judges a million of them in constant
// memory.
type Judge struct {
	p   Policy
	w   wording
	now time.Time
	cal *calendar

	started bool   // an item was judged
	host    string // of the last item judged
	rank    int    // non-future items of host judged so far
	// seen*: the newest-of protections already went to an earlier item.
	seenNewest, seenParses, seenChosen bool
}

// NewJudge returns a Judge of policy p as of now, with calendar buckets
// in loc (nil means UTC). An invalid policy is an error wrapping
// ErrInvalid or ErrNoCriterion, as for Decide.
func NewJudge(p Policy, now time.Time, loc *time.Location) (*Judge, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Judge{p: p, w: p.wording(), now: now, cal: newCalendar(p, now, loc)}, nil
}

// Next judges it. Items must come in Decide's order: those of one host
// together, newest first (ties as compare orders them); an item of another
// host than the last one starts that host afresh. Out of order, the
// verdicts are those of a different history.
func (j *Judge) Next(it Item) Decision {
	if !j.started || it.Host != j.host {
		j.started, j.host, j.rank = true, it.Host, 0
		j.seenNewest, j.seenParses, j.seenChosen = false, false, false
		j.cal.reset()
	}
	if it.Future {
		return Decision{Item: it, Keep: true, Reason: "future-dated"}
	}
	newest := !j.seenNewest
	parses := !j.seenParses && !it.Unparsable
	chosen := !j.seenChosen && !it.Safety
	j.seenNewest = true
	j.seenParses = j.seenParses || !it.Unparsable
	j.seenChosen = j.seenChosen || !it.Safety
	bucketReason := j.cal.protect(it.Created)
	d := Decision{Item: it, Keep: true}
	switch c := j.p.judge(it.Created, j.now, j.rank); {
	case !c.candidate():
		d.Reason = j.w.keepReason(it.Created, j.now)
	case newest:
		d.Reason = "newest of " + hostName(it.Host)
	case parses:
		d.Reason = "newest that parses"
	case chosen:
		d.Reason = "newest that is not a safety backup"
	case bucketReason != "":
		d.Reason = bucketReason
	default:
		d.Keep, d.Reason = false, j.w.removeReason(c)
	}
	j.rank++
	return d
}
