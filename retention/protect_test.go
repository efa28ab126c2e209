package retention_test

import (
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

// at is a UTC wall-clock time in September 2025 (now is the 21st, 12:00).
func at(d, h, m int) time.Time { return time.Date(2025, 9, d, h, m, 0, 0, time.UTC) }

func TestNewestOfHost(t *testing.T) {
	single := []retention.Item{it("only", now.Add(-day(1000)))}
	policies := map[string]retention.Policy{
		"older-than-days 0":  {OlderThanDays: ip(0)},
		"older-than-days 30": {OlderThanDays: ip(30)},
		"keep-count 0":       {KeepCount: ip(0)},
		"both 0":             {OlderThanDays: ip(0), KeepCount: ip(0)},
	}
	for name, p := range policies {
		t.Run(name, func(t *testing.T) {
			check(t, single, p, now, time.UTC, map[string]string{"only": "keep: newest of cursor"})
		})
	}
	t.Run("single backup inside the count", func(t *testing.T) {
		check(t, single, retention.Policy{KeepCount: ip(1)}, now, time.UTC, map[string]string{"only": "keep: the newest"})
	})
	t.Run("empty host name", func(t *testing.T) {
		items := []retention.Item{{ID: "x", Created: now}, {ID: "y", Created: now.Add(-time.Hour)}}
		check(t, items, retention.Policy{KeepCount: ip(0)}, now, time.UTC, map[string]string{
			"x": "keep: newest of its host",
			"y": "remove: keep-count 0",
		})
	})
}

func TestNewestThatParses(t *testing.T) {
	tests := []struct {
		name  string
		items []retention.Item
		want  map[string]string
	}{
		{"newest is broken", []retention.Item{
			broken("a", now.Add(-1*time.Hour)),
			broken("b", now.Add(-2*time.Hour)),
			it("c", now.Add(-3*time.Hour)),
			it("d", now.Add(-4*time.Hour)),
		}, map[string]string{
			"a": "keep: newest of cursor",
			"b": "remove: keep-count 0",
			"c": "keep: newest that parses",
			"d": "remove: keep-count 0",
		}},
		{"newest parses", []retention.Item{
			it("a", now.Add(-1*time.Hour)),
			it("b", now.Add(-2*time.Hour)),
		}, map[string]string{
			"a": "keep: newest of cursor",
			"b": "remove: keep-count 0",
		}},
		{"none parses", []retention.Item{
			broken("a", now.Add(-1*time.Hour)),
			broken("b", now.Add(-2*time.Hour)),
		}, map[string]string{
			"a": "keep: newest of cursor",
			"b": "remove: keep-count 0",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, tt.items, retention.Policy{KeepCount: ip(0)}, now, time.UTC, tt.want)
		})
	}
}

// TestCalendarProtections: each calendar rule alone and together, in UTC,
// with keep-count 0 so that only protections keep anything.
func TestCalendarProtections(t *testing.T) {
	// Sunday 2025-09-21 is now's day; its ISO week is 2025-W38 (Mon 15th to
	// Sun 21st).
	items := []retention.Item{
		it("21-10", at(21, 10, 0)), // newest of the host
		it("21-09", at(21, 9, 0)),
		it("20-23", at(20, 23, 0)),
		it("20-08", at(20, 8, 0)),
		it("19-12", at(19, 12, 0)),
		it("18-12", at(18, 12, 0)),
		it("14-12", at(14, 12, 0)), // Sunday of 2025-W37
		it("08-12", at(8, 12, 0)),  // Monday of 2025-W37
		it("07-12", at(7, 12, 0)),  // Sunday of 2025-W36
		it("aug31", time.Date(2025, 8, 31, 23, 0, 0, 0, time.UTC)),
		it("aug01", time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC)),
		it("jul31", time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC)),
	}
	const rm = "remove: keep-count 0"
	tests := []struct {
		name string
		p    retention.Policy
		want map[string]string
	}{
		{"none", retention.Policy{KeepCount: ip(0)}, map[string]string{
			"21-10": "keep: newest of cursor", "21-09": rm, "20-23": rm, "20-08": rm, "19-12": rm, "18-12": rm,
			"14-12": rm, "08-12": rm, "07-12": rm, "aug31": rm, "aug01": rm, "jul31": rm,
		}},
		{"keep-daily 3", retention.Policy{KeepCount: ip(0), KeepDaily: 3}, map[string]string{
			"21-10": "keep: newest of cursor", "21-09": rm,
			"20-23": "keep: newest of 2025-09-20 (keep-daily 3)", "20-08": rm,
			"19-12": "keep: newest of 2025-09-19 (keep-daily 3)", "18-12": rm,
			"14-12": rm, "08-12": rm, "07-12": rm, "aug31": rm, "aug01": rm, "jul31": rm,
		}},
		{"keep-weekly 3", retention.Policy{KeepCount: ip(0), KeepWeekly: 3}, map[string]string{
			"21-10": "keep: newest of cursor", "21-09": rm, "20-23": rm, "20-08": rm, "19-12": rm, "18-12": rm,
			"14-12": "keep: newest of week 2025-W37 (keep-weekly 3)", "08-12": rm,
			"07-12": "keep: newest of week 2025-W36 (keep-weekly 3)", "aug31": rm, "aug01": rm, "jul31": rm,
		}},
		{"keep-monthly 2", retention.Policy{KeepCount: ip(0), KeepMonthly: 2}, map[string]string{
			"21-10": "keep: newest of cursor", "21-09": rm, "20-23": rm, "20-08": rm, "19-12": rm, "18-12": rm,
			"14-12": rm, "08-12": rm, "07-12": rm,
			"aug31": "keep: newest of 2025-08 (keep-monthly 2)", "aug01": rm, "jul31": rm,
		}},
		{"all three: daily named before weekly before monthly", retention.Policy{KeepCount: ip(0), KeepDaily: 8, KeepWeekly: 3, KeepMonthly: 3}, map[string]string{
			"21-10": "keep: newest of cursor", "21-09": rm,
			"20-23": "keep: newest of 2025-09-20 (keep-daily 8)", "20-08": rm,
			"19-12": "keep: newest of 2025-09-19 (keep-daily 8)",
			"18-12": "keep: newest of 2025-09-18 (keep-daily 8)",
			"14-12": "keep: newest of 2025-09-14 (keep-daily 8)", // also newest of W37
			"08-12": rm,
			"07-12": "keep: newest of week 2025-W36 (keep-weekly 3)",
			"aug31": "keep: newest of 2025-08 (keep-monthly 3)",
			"aug01": rm,
			"jul31": "keep: newest of 2025-07 (keep-monthly 3)",
		}},
		{"a bucket's newest needs no protection: it does not pass on", retention.Policy{KeepCount: ip(3), KeepDaily: 2}, map[string]string{
			"21-10": "keep: one of the 3 newest", "21-09": "keep: one of the 3 newest",
			"20-23": "keep: one of the 3 newest", "20-08": "remove: not among the 3 newest",
			"19-12": rm3, "18-12": rm3, "14-12": rm3, "08-12": rm3, "07-12": rm3, "aug31": rm3, "aug01": rm3, "jul31": rm3,
		}},
		{"protections also save from age", retention.Policy{OlderThanDays: ip(1), KeepWeekly: 2}, map[string]string{
			"21-10": "keep: not older than 1 day", "21-09": "keep: not older than 1 day",
			"20-23": "keep: not older than 1 day", "20-08": "remove: older than 1 day",
			"19-12": "remove: older than 1 day", "18-12": "remove: older than 1 day",
			"14-12": "keep: newest of week 2025-W37 (keep-weekly 2)",
			"08-12": "remove: older than 1 day", "07-12": "remove: older than 1 day",
			"aug31": "remove: older than 1 day", "aug01": "remove: older than 1 day", "jul31": "remove: older than 1 day",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, items, tt.p, now, time.UTC, tt.want)
		})
	}
}

const rm3 = "remove: not among the 3 newest"

// TestProtectionPrecedence: when several protections apply, the reason is
// the first of: newest of host, newest that parses, daily, weekly, monthly.
func TestProtectionPrecedence(t *testing.T) {
	items := []retention.Item{
		broken("top", at(21, 10, 0)),
		it("good", at(20, 10, 0)),
		it("older", at(19, 10, 0)),
	}
	p := retention.Policy{KeepCount: ip(0), KeepDaily: 5, KeepWeekly: 5, KeepMonthly: 5}
	check(t, items, p, now, time.UTC, map[string]string{
		"top":   "keep: newest of cursor",
		"good":  "keep: newest that parses",
		"older": "keep: newest of 2025-09-19 (keep-daily 5)",
	})
}

// TestFutureDatedAndBuckets: a backup later today is in today's bucket; one
// on a later day is in none.
func TestFutureDatedAndBuckets(t *testing.T) {
	items := []retention.Item{
		it("tomorrow", at(22, 9, 0)),
		it("tomorrow-early", at(22, 1, 0)),
		it("tonight", at(21, 23, 0)),
		it("morning", at(21, 8, 0)),
	}
	check(t, items, retention.Policy{KeepCount: ip(0), KeepDaily: 1}, now, time.UTC, map[string]string{
		"tomorrow":       "keep: newest of cursor",
		"tomorrow-early": "remove: keep-count 0",
		"tonight":        "keep: newest of 2025-09-21 (keep-daily 1)",
		"morning":        "remove: keep-count 0",
	})
}
