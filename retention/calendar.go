package retention

import (
	"fmt"
	"time"
)

// period is one of the calendar rules: a way to number buckets and to name
// one in a reason.
type period int

const (
	day period = iota
	week
	month
	nPeriods
)

// bucket numbers the calendar day, ISO week or month of the wall-clock
// time t (already in the caller's location). Consecutive buckets have
// consecutive numbers, so "the last N" is a subtraction.
func (p period) bucket(t time.Time) int64 {
	switch p {
	case day:
		return dayNumber(t)
	case week:
		// Day 0 (1970-01-01) is a Thursday: day -3 is the Monday that
		// starts week 0, and ISO weeks run Monday to Sunday.
		return floorDiv(dayNumber(t)+3, 7)
	default:
		return int64(t.Year())*12 + int64(t.Month()) - 1
	}
}

// flag is the rule's CLI flag, without dashes.
func (p period) flag() string {
	switch p {
	case day:
		return "keep-daily"
	case week:
		return "keep-weekly"
	default:
		return "keep-monthly"
	}
}

// label names t's bucket: 2025-09-21, week 2025-W38, 2025-09.
func (p period) label(t time.Time) string {
	switch p {
	case day:
		return t.Format("2006-01-02")
	case week:
		y, w := t.ISOWeek()
		return fmt.Sprintf("week %04d-W%02d", y, w)
	default:
		return t.Format("2006-01")
	}
}

// dayNumber counts calendar days from 1970-01-01 to t's date, ignoring its
// clock and zone: two times with the same wall-clock date get the same
// number, however long that day was.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return floorDiv(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), 86400)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// calendar finds, per host, the newest backup of each recent bucket. It is
// fed one host's backups newest first and reset between hosts.
type calendar struct {
	loc     *time.Location
	keep    [nPeriods]int64 // N of each rule; 0 = rule off
	current [nPeriods]int64 // bucket of now
	seen    [nPeriods]map[int64]struct{}
}

func newCalendar(p Policy, now time.Time, loc *time.Location) *calendar {
	c := &calendar{loc: loc}
	c.keep = [nPeriods]int64{int64(p.KeepDaily), int64(p.KeepWeekly), int64(p.KeepMonthly)}
	local := now.In(loc)
	for per := range nPeriods {
		c.current[per] = per.bucket(local)
		if c.keep[per] > 0 {
			c.seen[per] = make(map[int64]struct{})
		}
	}
	return c
}

func (c *calendar) reset() {
	for _, m := range c.seen {
		clear(m)
	}
}

// protect records a backup (the next one, newest first, of the current
// host) and returns the reason it is protected by a calendar rule, or "".
// Every backup must be fed, kept or not: a bucket's newest backup takes the
// bucket's protection even when it needs none.
func (c *calendar) protect(created time.Time) string {
	local := created.In(c.loc)
	reason := ""
	for per := range nPeriods {
		if c.keep[per] == 0 {
			continue
		}
		b := per.bucket(local)
		age := c.current[per] - b // 0 = now's bucket; negative = future
		if age < 0 || age >= c.keep[per] {
			continue
		}
		if _, ok := c.seen[per][b]; ok {
			continue
		}
		c.seen[per][b] = struct{}{}
		if reason == "" {
			reason = fmt.Sprintf("newest of %s (%s %d)", per.label(local), per.flag(), c.keep[per])
		}
	}
	return reason
}
