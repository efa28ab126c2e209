package retention_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

// TestOlderThanDays: the age criterion at and around its boundary. Each case
// has a newer backup "new" that is never a candidate, so "x" is judged by
// age alone and not saved by being the newest.
func TestOlderThanDays(t *testing.T) {
	const us, ns = time.Microsecond, time.Nanosecond
	tests := []struct {
		name string
		days int
		x    time.Time
		want string
	}{
		{"exactly 30 days", 30, now.Add(-day(30)), "keep: not older than 30 days"},
		{"30 days and 1µs", 30, now.Add(-day(30) - us), "remove: older than 30 days"},
		{"30 days and 1ns", 30, now.Add(-day(30) - ns), "remove: older than 30 days"},
		{"30 days less 1µs", 30, now.Add(-day(30) + us), "keep: not older than 30 days"},
		{"1 day", 1, now.Add(-day(1)), "keep: not older than 1 day"},
		{"1 day and 1µs", 1, now.Add(-day(1) - us), "remove: older than 1 day"},
		{"0 days, created now", 0, now, "keep: not older than 0 days"},
		{"0 days, 1µs before now", 0, now.Add(-us), "remove: older than 0 days"},
		{"future, 30 days", 30, now.Add(time.Hour), "keep: created after now"},
		{"far future, 0 days", 0, now.Add(day(3650)), "keep: created after now"},
		{"year 1 under 1000 years", 365250, time.Time{}, "remove: older than 365250 days"},
		{"year 1 under 10⁹ days", 1_000_000_000, time.Time{}, "keep: not older than 1000000000 days"},
		{"year 1 under the largest int", int(^uint(0) >> 1), time.Time{}, "keep: not older than " + itoa(int(^uint(0)>>1)) + " days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newest := now.Add(day(5000)) // after every x: always the newest
			items := []retention.Item{it("new", newest), it("x", tt.x)}
			got := verdicts(t, items, retention.Policy{OlderThanDays: ip(tt.days)}, now, time.UTC)
			if got["x"] != tt.want {
				t.Errorf("x: got %q, want %q", got["x"], tt.want)
			}
			if got["new"] != "keep: created after now" {
				t.Errorf("new: got %q", got["new"])
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestOlderThanDaysIgnoresZoneAndMonotonic: the age is between instants:
// the items' locations, the calendar location and a monotonic reading in
// now change nothing.
func TestOlderThanDaysIgnoresZoneAndMonotonic(t *testing.T) {
	ny := zone(t, "America/New_York")
	wallNow := time.Now()
	items := []retention.Item{
		it("new", wallNow.Add(time.Hour)),
		it("edge", wallNow.Round(0).Add(-day(2)).In(ny)),
		it("old", wallNow.Round(0).Add(-day(2)-time.Microsecond).In(ny)),
	}
	for _, loc := range []*time.Location{time.UTC, ny, nil} {
		check(t, items, retention.Policy{OlderThanDays: ip(2)}, wallNow, loc, map[string]string{
			"new":  "keep: created after now",
			"edge": "keep: not older than 2 days",
			"old":  "remove: older than 2 days",
		})
	}
}

func TestKeepCount(t *testing.T) {
	items := []retention.Item{
		it("a", now.Add(-1*time.Hour)),
		it("b", now.Add(-2*time.Hour)),
		it("c", now.Add(-3*time.Hour)),
	}
	tests := []struct {
		n    int
		want map[string]string
	}{
		{0, map[string]string{"a": "keep: newest of cursor", "b": "remove: keep-count 0", "c": "remove: keep-count 0"}},
		{1, map[string]string{"a": "keep: the newest", "b": "remove: not the newest", "c": "remove: not the newest"}},
		{2, map[string]string{"a": "keep: one of the 2 newest", "b": "keep: one of the 2 newest", "c": "remove: not among the 2 newest"}},
		{3, map[string]string{"a": "keep: one of the 3 newest", "b": "keep: one of the 3 newest", "c": "keep: one of the 3 newest"}},
		{10, map[string]string{"a": "keep: one of the 10 newest", "b": "keep: one of the 10 newest", "c": "keep: one of the 10 newest"}},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.n), func(t *testing.T) {
			check(t, items, retention.Policy{KeepCount: ip(tt.n)}, now, time.UTC, tt.want)
		})
	}
}

// TestKeepCountFutureDated: a future-dated backup is never removed by age
// but counts like any other for keep-count.
func TestKeepCountFutureDated(t *testing.T) {
	items := []retention.Item{
		it("f2", now.Add(2*time.Hour)),
		it("f1", now.Add(time.Hour)),
		it("p", now.Add(-time.Hour)),
	}
	check(t, items, retention.Policy{KeepCount: ip(0), OlderThanDays: ip(0)}, now, time.UTC, map[string]string{
		"f2": "keep: newest of cursor",
		"f1": "remove: keep-count 0",
		"p":  "remove: older than 0 days",
	})
	check(t, items, retention.Policy{OlderThanDays: ip(0)}, now, time.UTC, map[string]string{
		"f2": "keep: created after now",
		"f1": "keep: created after now",
		"p":  "remove: older than 0 days",
	})
}

// TestBothCriteria: either criterion suffices; a non-candidate names both.
func TestBothCriteria(t *testing.T) {
	items := []retention.Item{
		it("d1", now.Add(-day(1))),
		it("d10", now.Add(-day(10))),
		it("d40", now.Add(-day(40))),
		it("d50", now.Add(-day(50))),
	}
	tests := []struct {
		name string
		p    retention.Policy
		want map[string]string
	}{
		{"age removes inside the count", retention.Policy{OlderThanDays: ip(30), KeepCount: ip(3)}, map[string]string{
			"d1":  "keep: one of the 3 newest, not older than 30 days",
			"d10": "keep: one of the 3 newest, not older than 30 days",
			"d40": "remove: older than 30 days",
			"d50": "remove: older than 30 days", // both hold: age is named
		}},
		{"count removes the young", retention.Policy{OlderThanDays: ip(30), KeepCount: ip(1)}, map[string]string{
			"d1":  "keep: the newest, not older than 30 days",
			"d10": "remove: not the newest",
			"d40": "remove: older than 30 days",
			"d50": "remove: older than 30 days",
		}},
		{"neither removes", retention.Policy{OlderThanDays: ip(100), KeepCount: ip(4)}, map[string]string{
			"d1":  "keep: one of the 4 newest, not older than 100 days",
			"d10": "keep: one of the 4 newest, not older than 100 days",
			"d40": "keep: one of the 4 newest, not older than 100 days",
			"d50": "keep: one of the 4 newest, not older than 100 days",
		}},
		{"everything is a candidate", retention.Policy{OlderThanDays: ip(0), KeepCount: ip(0)}, map[string]string{
			"d1":  "keep: newest of cursor",
			"d10": "remove: older than 0 days",
			"d40": "remove: older than 0 days",
			"d50": "remove: older than 0 days",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, items, tt.p, now, time.UTC, tt.want)
		})
	}
}
