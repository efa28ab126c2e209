package retention_test

import (
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

func future(id string, created time.Time) retention.Item {
	i := it(id, created)
	i.Future = true
	return i
}

func safety(id string, created time.Time) retention.Item {
	i := it(id, created)
	i.Safety = true
	return i
}

// TestFutureDated: a backup dated 2099 (a clock that was wrong) takes no
// place among the newest: keep-count 1 keeps the real newest, and the
// 2099 backup is never removed by a count.
func TestFutureDated(t *testing.T) {
	in2099 := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	items := []retention.Item{
		future("2099", in2099),
		it("real", now.Add(-time.Hour)),
		it("older", now.Add(-2*time.Hour)),
		it("oldest", now.Add(-day(40))),
	}
	tests := []struct {
		name string
		p    retention.Policy
		want map[string]string
	}{
		{"keep-count 1", retention.Policy{KeepCount: ip(1)}, map[string]string{
			"2099": "keep: future-dated", "real": "keep: the newest",
			"older": "remove: not the newest", "oldest": "remove: not the newest",
		}},
		{"keep-count 0", retention.Policy{KeepCount: ip(0)}, map[string]string{
			"2099": "keep: future-dated", "real": "keep: newest of cursor",
			"older": "remove: keep-count 0", "oldest": "remove: keep-count 0",
		}},
		{"older-than-days 30", retention.Policy{OlderThanDays: ip(30)}, map[string]string{
			"2099": "keep: future-dated", "real": "keep: not older than 30 days",
			"older": "keep: not older than 30 days", "oldest": "remove: older than 30 days",
		}},
		{"both 0", retention.Policy{OlderThanDays: ip(0), KeepCount: ip(0)}, map[string]string{
			"2099": "keep: future-dated", "real": "keep: newest of cursor",
			"older": "remove: older than 0 days", "oldest": "remove: older than 0 days",
		}},
	}
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) { check(t, items, c.p, now, time.UTC, c.want) })
	}
	t.Run("only future-dated backups", func(t *testing.T) {
		only := []retention.Item{future("a", in2099), future("b", in2099.Add(-time.Hour))}
		check(t, only, retention.Policy{KeepCount: ip(0)}, now, time.UTC, map[string]string{
			"a": "keep: future-dated", "b": "keep: future-dated",
		})
	})
	t.Run("the newest that parses is not the future one", func(t *testing.T) {
		mixed := []retention.Item{future("2099", in2099), broken("bad", now.Add(-time.Hour)), it("good", now.Add(-2*time.Hour)), it("x", now.Add(-3*time.Hour))}
		check(t, mixed, retention.Policy{KeepCount: ip(0)}, now, time.UTC, map[string]string{
			"2099": "keep: future-dated", "bad": "keep: newest of cursor",
			"good": "keep: newest that parses", "x": "remove: keep-count 0",
		})
	})
}

// TestNewestNotSafety: after a restore, the safety backup of what it
// replaced is the newest; keep-count 1 still keeps the backup the restore
// put back (the one a restore without a timestamp takes).
func TestNewestNotSafety(t *testing.T) {
	items := []retention.Item{
		safety("safety2", now.Add(-time.Minute)),
		safety("safety1", now.Add(-2*time.Minute)),
		it("good", now.Add(-time.Hour)),
		it("older", now.Add(-2*time.Hour)),
	}
	check(t, items, retention.Policy{KeepCount: ip(1)}, now, time.UTC, map[string]string{
		"safety2": "keep: the newest",
		"safety1": "remove: not the newest",
		"good":    "keep: newest that is not a safety backup",
		"older":   "remove: not the newest",
	})
	t.Run("a future-dated backup is not the one restore takes", func(t *testing.T) {
		withFuture := append([]retention.Item{future("2099", time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC))}, items...)
		check(t, withFuture, retention.Policy{KeepCount: ip(1)}, now, time.UTC, map[string]string{
			"2099":    "keep: future-dated",
			"safety2": "keep: the newest",
			"safety1": "remove: not the newest",
			"good":    "keep: newest that is not a safety backup",
			"older":   "remove: not the newest",
		})
	})
}
