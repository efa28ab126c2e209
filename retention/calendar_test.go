package retention_test

import (
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

type stamped struct{ id, utc, local string }

func build(t *testing.T, loc *time.Location, ss []stamped) []retention.Item {
	t.Helper()
	items := make([]retention.Item, len(ss))
	for i, s := range ss {
		items[i] = it(s.id, utcAt(t, loc, s.utc, s.local))
	}
	return items
}

const rm0 = "remove: keep-count 0"

// TestKeepDailyAcrossDST: keep-daily buckets are local calendar days, so a
// 23-hour or 25-hour day is one bucket in its zone; the same instants under
// UTC fall into UTC days. Policy: keep-count 0, keep-daily 3.
func TestKeepDailyAcrossDST(t *testing.T) {
	tests := []struct {
		name           string
		zone           string
		now            stamped
		items          []stamped
		wantLocal      map[string]string
		wantUTC        map[string]string
		localDayLength time.Duration // of the DST day, to show it is one
	}{
		{
			name: "New York spring-forward 2025-03-09 (23 h)",
			zone: "America/New_York",
			now:  stamped{"", "2025-03-10 16:00:00", "2025-03-10 12:00:00 EDT"},
			items: []stamped{
				{"n", "2025-03-10 12:00:00", "2025-03-10 08:00:00 EDT"},
				{"a", "2025-03-10 03:30:00", "2025-03-09 23:30:00 EDT"},
				{"b", "2025-03-09 07:30:00", "2025-03-09 03:30:00 EDT"},
				{"c", "2025-03-09 06:30:00", "2025-03-09 01:30:00 EST"},
				{"d", "2025-03-09 05:00:00", "2025-03-09 00:00:00 EST"},
				{"e", "2025-03-09 04:59:59.999999", "2025-03-08 23:59:59.999999 EST"},
			},
			wantLocal: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-03-09 (keep-daily 3)",
				"b": rm0, "c": rm0, "d": rm0,
				"e": "keep: newest of 2025-03-08 (keep-daily 3)",
			},
			wantUTC: map[string]string{
				"n": "keep: newest of cursor",
				"a": rm0, // same UTC day as n
				"b": "keep: newest of 2025-03-09 (keep-daily 3)",
				"c": rm0, "d": rm0, "e": rm0,
			},
			localDayLength: 23 * time.Hour,
		},
		{
			name: "New York fall-back 2025-11-02 (25 h, 01:30 twice)",
			zone: "America/New_York",
			now:  stamped{"", "2025-11-03 17:00:00", "2025-11-03 12:00:00 EST"},
			items: []stamped{
				{"n", "2025-11-03 14:00:00", "2025-11-03 09:00:00 EST"},
				{"a", "2025-11-03 04:30:00", "2025-11-02 23:30:00 EST"},
				{"b", "2025-11-02 06:30:00", "2025-11-02 01:30:00 EST"},
				{"c", "2025-11-02 05:30:00", "2025-11-02 01:30:00 EDT"},
				{"d", "2025-11-02 04:00:00", "2025-11-02 00:00:00 EDT"},
				{"e", "2025-11-02 03:59:59.999999", "2025-11-01 23:59:59.999999 EDT"},
			},
			wantLocal: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-11-02 (keep-daily 3)",
				"b": rm0, "c": rm0, "d": rm0,
				"e": "keep: newest of 2025-11-01 (keep-daily 3)",
			},
			wantUTC: map[string]string{
				"n": "keep: newest of cursor",
				"a": rm0,
				"b": "keep: newest of 2025-11-02 (keep-daily 3)",
				"c": rm0, "d": rm0, "e": rm0,
			},
			localDayLength: 25 * time.Hour,
		},
		{
			name: "Berlin spring-forward 2025-03-30 (23 h)",
			zone: "Europe/Berlin",
			now:  stamped{"", "2025-03-31 10:00:00", "2025-03-31 12:00:00 CEST"},
			items: []stamped{
				{"n", "2025-03-31 06:00:00", "2025-03-31 08:00:00 CEST"},
				{"a", "2025-03-30 21:30:00", "2025-03-30 23:30:00 CEST"},
				{"b", "2025-03-30 01:30:00", "2025-03-30 03:30:00 CEST"},
				{"c", "2025-03-30 00:30:00", "2025-03-30 01:30:00 CET"},
				{"d", "2025-03-29 23:00:00", "2025-03-30 00:00:00 CET"},
				{"e", "2025-03-29 22:59:59.999999", "2025-03-29 23:59:59.999999 CET"},
			},
			wantLocal: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-03-30 (keep-daily 3)",
				"b": rm0, "c": rm0, "d": rm0,
				"e": "keep: newest of 2025-03-29 (keep-daily 3)",
			},
			wantUTC: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-03-30 (keep-daily 3)",
				"b": rm0, "c": rm0,
				"d": "keep: newest of 2025-03-29 (keep-daily 3)",
				"e": rm0,
			},
			localDayLength: 23 * time.Hour,
		},
		{
			name: "Berlin fall-back 2025-10-26 (25 h, 02:30 twice)",
			zone: "Europe/Berlin",
			now:  stamped{"", "2025-10-27 11:00:00", "2025-10-27 12:00:00 CET"},
			items: []stamped{
				{"n", "2025-10-27 07:00:00", "2025-10-27 08:00:00 CET"},
				{"a", "2025-10-26 22:30:00", "2025-10-26 23:30:00 CET"},
				{"b", "2025-10-26 01:30:00", "2025-10-26 02:30:00 CET"},
				{"c", "2025-10-26 00:30:00", "2025-10-26 02:30:00 CEST"},
				{"d", "2025-10-25 22:00:00", "2025-10-26 00:00:00 CEST"},
				{"e", "2025-10-25 21:59:59.999999", "2025-10-25 23:59:59.999999 CEST"},
			},
			wantLocal: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-10-26 (keep-daily 3)",
				"b": rm0, "c": rm0, "d": rm0,
				"e": "keep: newest of 2025-10-25 (keep-daily 3)",
			},
			wantUTC: map[string]string{
				"n": "keep: newest of cursor",
				"a": "keep: newest of 2025-10-26 (keep-daily 3)",
				"b": rm0, "c": rm0,
				"d": "keep: newest of 2025-10-25 (keep-daily 3)",
				"e": rm0,
			},
			localDayLength: 25 * time.Hour,
		},
	}
	p := retention.Policy{KeepCount: ip(0), KeepDaily: 3}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			now := utcAt(t, loc, tt.now.utc, tt.now.local)
			items := build(t, loc, tt.items)
			// a's local day is the DST day: check it really is that long.
			dstDay := tt.items[1]
			y, m, d := utcAt(t, loc, dstDay.utc, dstDay.local).In(loc).Date()
			if got := time.Date(y, m, d+1, 0, 0, 0, 0, loc).Sub(time.Date(y, m, d, 0, 0, 0, 0, loc)); got != tt.localDayLength {
				t.Fatalf("%d-%02d-%02d lasts %v in %s, want %v", y, m, d, got, loc, tt.localDayLength)
			}
			t.Run("local", func(t *testing.T) { check(t, items, p, now, loc, tt.wantLocal) })
			t.Run("UTC", func(t *testing.T) { check(t, items, p, now, time.UTC, tt.wantUTC) })
		})
	}
}

// TestOlderThanDaysAcrossDST: "1 day" is 24 h of elapsed time. Across
// spring-forward the same wall-clock time yesterday is only 23 h ago (not
// older); across fall-back it is 25 h ago (older). The zone passed to
// Decide makes no difference.
func TestOlderThanDaysAcrossDST(t *testing.T) {
	tests := []struct {
		name  string
		zone  string
		now   stamped
		items []stamped
		want  map[string]string
	}{
		{
			name: "New York spring-forward",
			zone: "America/New_York",
			now:  stamped{"", "2025-03-09 16:00:00", "2025-03-09 12:00:00 EDT"},
			items: []stamped{
				{"same-wall-clock", "2025-03-08 17:00:00", "2025-03-08 12:00:00 EST"},
				{"exactly-24h", "2025-03-08 16:00:00", "2025-03-08 11:00:00 EST"},
				{"24h-and-1µs", "2025-03-08 15:59:59.999999", "2025-03-08 10:59:59.999999 EST"},
			},
			want: map[string]string{
				"new":             "keep: not older than 1 day",
				"same-wall-clock": "keep: not older than 1 day",
				"exactly-24h":     "keep: not older than 1 day",
				"24h-and-1µs":     "remove: older than 1 day",
			},
		},
		{
			name: "New York fall-back",
			zone: "America/New_York",
			now:  stamped{"", "2025-11-02 17:00:00", "2025-11-02 12:00:00 EST"},
			items: []stamped{
				{"24h-less-1µs", "2025-11-01 17:00:00.000001", "2025-11-01 13:00:00.000001 EDT"},
				{"exactly-24h", "2025-11-01 17:00:00", "2025-11-01 13:00:00 EDT"},
				{"24h-and-1µs", "2025-11-01 16:59:59.999999", "2025-11-01 12:59:59.999999 EDT"},
				{"same-wall-clock", "2025-11-01 16:00:00", "2025-11-01 12:00:00 EDT"},
			},
			want: map[string]string{
				"new":             "keep: not older than 1 day",
				"24h-less-1µs":    "keep: not older than 1 day",
				"exactly-24h":     "keep: not older than 1 day",
				"24h-and-1µs":     "remove: older than 1 day",
				"same-wall-clock": "remove: older than 1 day",
			},
		},
		{
			name: "Berlin fall-back",
			zone: "Europe/Berlin",
			now:  stamped{"", "2025-10-26 11:00:00", "2025-10-26 12:00:00 CET"},
			items: []stamped{
				{"exactly-24h", "2025-10-25 11:00:00", "2025-10-25 13:00:00 CEST"},
				{"same-wall-clock", "2025-10-25 10:00:00", "2025-10-25 12:00:00 CEST"},
			},
			want: map[string]string{
				"new":             "keep: not older than 1 day",
				"exactly-24h":     "keep: not older than 1 day",
				"same-wall-clock": "remove: older than 1 day",
			},
		},
		{
			name: "Berlin spring-forward",
			zone: "Europe/Berlin",
			now:  stamped{"", "2025-03-30 10:00:00", "2025-03-30 12:00:00 CEST"},
			items: []stamped{
				{"same-wall-clock", "2025-03-29 11:00:00", "2025-03-29 12:00:00 CET"},
				{"exactly-24h", "2025-03-29 10:00:00", "2025-03-29 11:00:00 CET"},
			},
			want: map[string]string{
				"new":             "keep: not older than 1 day",
				"same-wall-clock": "keep: not older than 1 day",
				"exactly-24h":     "keep: not older than 1 day",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zone(t, tt.zone)
			now := utcAt(t, loc, tt.now.utc, tt.now.local)
			items := append(build(t, loc, tt.items), it("new", now.Add(-time.Minute)))
			for _, calLoc := range []*time.Location{loc, time.UTC} {
				check(t, items, retention.Policy{OlderThanDays: ip(1)}, now, calLoc, tt.want)
			}
		})
	}
}

// TestLocalMidnight: bucket edges at exact local midnight, including a
// now that is itself midnight and a day whose midnight does not exist.
func TestLocalMidnight(t *testing.T) {
	ny := zone(t, "America/New_York")
	scl := zone(t, "America/Santiago")
	tests := []struct {
		name  string
		loc   *time.Location
		now   stamped
		daily int
		items []stamped
		want  map[string]string
	}{
		{
			name: "first instant of the window's first day is in", loc: ny, daily: 2,
			now: stamped{"", "2025-09-21 16:00:00", "2025-09-21 12:00:00 EDT"},
			items: []stamped{
				{"n", "2025-09-21 13:00:00", "2025-09-21 09:00:00 EDT"},
				{"first", "2025-09-20 04:00:00", "2025-09-20 00:00:00 EDT"},
				{"before", "2025-09-20 03:59:59.999999", "2025-09-19 23:59:59.999999 EDT"},
			},
			want: map[string]string{
				"n":      "keep: newest of cursor",
				"first":  "keep: newest of 2025-09-20 (keep-daily 2)",
				"before": rm0,
			},
		},
		{
			name: "last instant of a day and the first of the next", loc: ny, daily: 3,
			now: stamped{"", "2025-09-21 16:00:00", "2025-09-21 12:00:00 EDT"},
			items: []stamped{
				{"n", "2025-09-21 13:00:00", "2025-09-21 09:00:00 EDT"},
				{"midnight", "2025-09-21 04:00:00", "2025-09-21 00:00:00 EDT"},
				{"last", "2025-09-21 03:59:59.999999", "2025-09-20 23:59:59.999999 EDT"},
				{"earlier", "2025-09-20 12:00:00", "2025-09-20 08:00:00 EDT"},
			},
			want: map[string]string{
				"n":        "keep: newest of cursor",
				"midnight": rm0,
				"last":     "keep: newest of 2025-09-20 (keep-daily 3)",
				"earlier":  rm0,
			},
		},
		{
			name: "now at midnight: today has begun", loc: ny, daily: 1,
			now: stamped{"", "2025-09-21 04:00:00", "2025-09-21 00:00:00 EDT"},
			items: []stamped{
				{"n", "2025-09-21 04:00:00", "2025-09-21 00:00:00 EDT"},
				{"yesterday", "2025-09-21 03:59:59.999999", "2025-09-20 23:59:59.999999 EDT"},
			},
			want: map[string]string{"n": "keep: newest of cursor", "yesterday": rm0},
		},
		{
			name: "now at midnight, keep-daily 2 reaches yesterday", loc: ny, daily: 2,
			now: stamped{"", "2025-09-21 04:00:00", "2025-09-21 00:00:00 EDT"},
			items: []stamped{
				{"n", "2025-09-21 04:00:00", "2025-09-21 00:00:00 EDT"},
				{"yesterday", "2025-09-21 03:59:59.999999", "2025-09-20 23:59:59.999999 EDT"},
			},
			want: map[string]string{"n": "keep: newest of cursor", "yesterday": "keep: newest of 2025-09-20 (keep-daily 2)"},
		},
		{
			// Chile springs forward at midnight: 2025-09-07 begins at 01:00.
			name: "Santiago: a day without midnight", loc: scl, daily: 3,
			now: stamped{"", "2025-09-07 15:00:00", "2025-09-07 12:00:00 -03"},
			items: []stamped{
				{"n", "2025-09-07 12:00:00", "2025-09-07 09:00:00 -03"},
				{"first", "2025-09-07 04:00:00", "2025-09-07 01:00:00 -03"},
				{"last", "2025-09-07 03:59:59.999999", "2025-09-06 23:59:59.999999 -04"},
				{"before", "2025-09-06 12:00:00", "2025-09-06 08:00:00 -04"},
			},
			want: map[string]string{
				"n":      "keep: newest of cursor",
				"first":  rm0,
				"last":   "keep: newest of 2025-09-06 (keep-daily 3)",
				"before": rm0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := utcAt(t, tt.loc, tt.now.utc, tt.now.local)
			check(t, build(t, tt.loc, tt.items), retention.Policy{KeepCount: ip(0), KeepDaily: tt.daily}, now, tt.loc, tt.want)
		})
	}
}

// TestISOWeeks: weeks run Monday to Sunday and take their year from
// time.ISOWeek, across year boundaries. Policy: keep-count 0.
func TestISOWeeks(t *testing.T) {
	u := func(y int, m time.Month, d, h, min, s, us int) time.Time {
		return time.Date(y, m, d, h, min, s, us*1000, time.UTC)
	}
	tests := []struct {
		name   string
		now    time.Time
		weekly int
		items  []retention.Item
		want   map[string]string
	}{
		{"2024-12-30 is in 2025-W01", u(2025, 1, 2, 12, 0, 0, 0), 2, []retention.Item{
			it("n", u(2025, 1, 2, 10, 0, 0, 0)),
			it("mon-dec30", u(2024, 12, 30, 0, 0, 0, 0)),
			it("sun-dec29", u(2024, 12, 29, 23, 59, 59, 999999)),
			it("mon-dec23", u(2024, 12, 23, 0, 0, 0, 0)),
			it("sun-dec22", u(2024, 12, 22, 23, 59, 0, 0)),
		}, map[string]string{
			"n":         "keep: newest of cursor",
			"mon-dec30": rm0,
			"sun-dec29": "keep: newest of week 2024-W52 (keep-weekly 2)",
			"mon-dec23": rm0,
			"sun-dec22": rm0, // 2024-W51: outside the last 2 weeks
		}},
		{"2021-01-03 is in 2020-W53", u(2021, 1, 5, 12, 0, 0, 0), 3, []retention.Item{
			it("n", u(2021, 1, 5, 10, 0, 0, 0)),
			it("sun-jan03", u(2021, 1, 3, 12, 0, 0, 0)),
			it("fri-jan01", u(2021, 1, 1, 12, 0, 0, 0)),
			it("mon-dec28", u(2020, 12, 28, 0, 0, 0, 0)),
			it("sun-dec27", u(2020, 12, 27, 12, 0, 0, 0)),
		}, map[string]string{
			"n":         "keep: newest of cursor",
			"sun-jan03": "keep: newest of week 2020-W53 (keep-weekly 3)",
			"fri-jan01": rm0, "mon-dec28": rm0,
			"sun-dec27": "keep: newest of week 2020-W52 (keep-weekly 3)",
		}},
		{"now at Monday midnight starts a week", u(2025, 1, 6, 0, 0, 0, 0), 1, []retention.Item{
			it("n", u(2025, 1, 6, 0, 0, 0, 0)),
			it("sun", u(2025, 1, 5, 23, 59, 59, 999999)),
		}, map[string]string{"n": "keep: newest of cursor", "sun": rm0}},
		{"now at Monday midnight, keep-weekly 2", u(2025, 1, 6, 0, 0, 0, 0), 2, []retention.Item{
			it("n", u(2025, 1, 6, 0, 0, 0, 0)),
			it("sun", u(2025, 1, 5, 23, 59, 59, 999999)),
		}, map[string]string{"n": "keep: newest of cursor", "sun": "keep: newest of week 2025-W01 (keep-weekly 2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, tt.items, retention.Policy{KeepCount: ip(0), KeepWeekly: tt.weekly}, tt.now, time.UTC, tt.want)
		})
	}
}

// TestMonths: month buckets are calendar months of 28, 29, 30 and 31 days,
// not 30-day spans. Each case: now early in the month after M, keep-monthly
// 2; the last instant of M is protected, the first of the next month is not
// (it is not the newest of its month).
func TestMonths(t *testing.T) {
	ny := zone(t, "America/New_York")
	tests := []struct {
		name      string
		y         int
		m         time.Month
		days      int
		wantLabel string
	}{
		{"February, 28 days", 2025, time.February, 28, "2025-02"},
		{"February, 29 days", 2024, time.February, 29, "2024-02"},
		{"April, 30 days", 2025, time.April, 30, "2025-04"},
		{"January, 31 days", 2025, time.January, 31, "2025-01"},
		{"December, across the year", 2024, time.December, 31, "2024-12"},
	}
	for _, tt := range tests {
		for _, loc := range []*time.Location{time.UTC, ny} {
			t.Run(tt.name+" "+loc.String(), func(t *testing.T) {
				next := time.Date(tt.y, tt.m+1, 1, 0, 0, 0, 0, loc)
				last := next.Add(-time.Microsecond)
				if last.Day() != tt.days {
					t.Fatalf("last day of %s is %d", tt.wantLabel, last.Day())
				}
				items := []retention.Item{
					it("n", next.Add(5*time.Hour)),
					it("next-first", next),
					it("last", last),
					it("first", time.Date(tt.y, tt.m, 1, 0, 0, 0, 0, loc)),
					it("before", time.Date(tt.y, tt.m, 1, 0, 0, 0, 0, loc).Add(-time.Microsecond)),
				}
				check(t, items, retention.Policy{KeepCount: ip(0), KeepMonthly: 2}, next.Add(6*time.Hour), loc, map[string]string{
					"n":          "keep: newest of cursor",
					"next-first": rm0,
					"last":       "keep: newest of " + tt.wantLabel + " (keep-monthly 2)",
					"first":      rm0,
					"before":     rm0, // the month before M: outside the last 2
				})
			})
		}
	}
	t.Run("a month is not 30 days", func(t *testing.T) {
		now := time.Date(2025, 3, 1, 0, 0, 1, 0, time.UTC)
		items := []retention.Item{
			it("n", now),
			it("feb01", time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)),     // 28 days ago: February
			it("jan31", time.Date(2025, 1, 31, 23, 59, 59, 0, time.UTC)), // 28 days and 2 s ago: January
		}
		check(t, items, retention.Policy{KeepCount: ip(0), KeepMonthly: 2}, now, time.UTC, map[string]string{
			"n":     "keep: newest of cursor",
			"feb01": "keep: newest of 2025-02 (keep-monthly 2)",
			"jan31": rm0,
		})
	})
	t.Run("the zone decides the month", func(t *testing.T) {
		now := utcAt(t, ny, "2025-03-01 06:00:00", "2025-03-01 01:00:00 EST")
		items := []retention.Item{
			it("n", now),
			it("x", utcAt(t, ny, "2025-03-01 04:30:00", "2025-02-28 23:30:00 EST")),
		}
		p := retention.Policy{KeepCount: ip(0), KeepMonthly: 1}
		check(t, items, p, now, ny, map[string]string{"n": "keep: newest of cursor", "x": rm0})
		p.KeepMonthly = 2
		check(t, items, p, now, ny, map[string]string{"n": "keep: newest of cursor", "x": "keep: newest of 2025-02 (keep-monthly 2)"})
		check(t, items, p, now, time.UTC, map[string]string{"n": "keep: newest of cursor", "x": rm0}) // March in UTC, like n
	})
}
