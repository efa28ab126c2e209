package retention

import (
	"fmt"
	"math"
	"time"
)

// OlderThan reports whether created lies strictly more than days × 24 h
// before now: the one meaning of "older than N days", for clean and
// compact alike. It works on whole seconds and nanoseconds rather than
// time.Duration, because a Duration saturates at about 292 years and
// OlderThanDays has no upper bound. Monotonic clock readings are ignored:
// only the instants count.
func OlderThan(created, now time.Time, days int) bool {
	if !created.Before(now) {
		return false
	}
	if uint64(days) > math.MaxUint64/86400 {
		return false // longer than any span two time.Time values can have
	}
	limit := uint64(days) * 86400
	// created < now, so the true difference is in [0, 2^64): exact in uint64.
	secs := uint64(now.Unix()) - uint64(created.Unix())
	nanos := now.Nanosecond() - created.Nanosecond()
	if nanos < 0 {
		secs--
		nanos += 1e9
	}
	return secs > limit || (secs == limit && nanos > 0)
}

// candidacy is the outcome of the removal criteria for one backup.
type candidacy struct {
	older, outside bool // older than OlderThanDays; not among KeepCount newest
}

func (c candidacy) candidate() bool { return c.older || c.outside }

// judge applies the criteria to the backup at rank (0 = newest of its host).
func (p Policy) judge(created, now time.Time, rank int) candidacy {
	var c candidacy
	if p.OlderThanDays != nil {
		c.older = OlderThan(created, now, *p.OlderThanDays)
	}
	if p.KeepCount != nil {
		c.outside = rank >= *p.KeepCount
	}
	return c
}

// wording holds a policy's reasons, written once per Decide rather than
// once per backup.
type wording struct {
	older, outside   string // a candidate's reason, by criterion
	kept, keptFuture string // a non-candidate's, for the past and the future
}

func (p Policy) wording() wording {
	var w wording
	var count, age, future string // a non-candidate's reason, by criterion
	if n := p.KeepCount; n != nil {
		switch *n {
		case 0:
			w.outside = "keep-count 0"
		case 1:
			w.outside, count = "not the newest", "the newest"
		default:
			w.outside = fmt.Sprintf("not among the %d newest", *n)
			count = fmt.Sprintf("one of the %d newest", *n)
		}
	}
	if n := p.OlderThanDays; n != nil {
		w.older = "older than " + days(*n)
		age, future = "not older than "+days(*n), "created after now"
	}
	// A non-candidate fails every criterion that is set: name each.
	w.kept, w.keptFuture = join(count, age), join(count, future)
	return w
}

func join(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + ", " + b
}

// removeReason names the criterion that made a candidate, age first when
// both hold.
func (w wording) removeReason(c candidacy) string {
	if c.older {
		return w.older
	}
	return w.outside
}

// keepReason says why a backup is not a candidate.
func (w wording) keepReason(created, now time.Time) string {
	if created.After(now) {
		return w.keptFuture
	}
	return w.kept
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
