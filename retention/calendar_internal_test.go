package retention

import (
	"testing"
	"time"
	_ "time/tzdata"
)

// TestBucketsMatchCalendar walks every day from 1999 to 2031 at noon (and
// at the first and last instant of the day) and checks the bucket numbers
// against the standard library: day numbers step by one per calendar day,
// week numbers step exactly when time.ISOWeek changes, month numbers when
// the month does.
func TestBucketsMatchCalendar(t *testing.T) {
	for _, name := range []string{"UTC", "America/New_York", "Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			prev := time.Date(1998, 12, 31, 12, 0, 0, 0, loc)
			for d := time.Date(1999, 1, 1, 12, 0, 0, 0, loc); d.Year() < 2032; d = d.AddDate(0, 0, 1) {
				checkStep(t, prev, d)
				for _, edge := range []time.Time{
					time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc),
					time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).Add(-time.Nanosecond),
				} {
					for p := range nPeriods {
						if p.bucket(edge) != p.bucket(d) && edge.Day() == d.Day() {
							t.Fatalf("%v and %v: %d bucket %d != %d", edge, d, p, p.bucket(edge), p.bucket(d))
						}
					}
				}
				prev = d
			}
		})
	}
}

func checkStep(t *testing.T, prev, d time.Time) {
	t.Helper()
	if got := day.bucket(d) - day.bucket(prev); got != 1 {
		t.Fatalf("%v → %v: day bucket steps by %d", prev, d, got)
	}
	py, pw := prev.ISOWeek()
	y, w := d.ISOWeek()
	wantWeekStep := int64(0)
	if py != y || pw != w {
		wantWeekStep = 1
	}
	if got := week.bucket(d) - week.bucket(prev); got != wantWeekStep {
		t.Fatalf("%v (%d-W%02d) → %v (%d-W%02d): week bucket steps by %d", prev, py, pw, d, y, w, got)
	}
	wantMonthStep := int64(0)
	if prev.Month() != d.Month() {
		wantMonthStep = 1
	}
	if got := month.bucket(d) - month.bucket(prev); got != wantMonthStep {
		t.Fatalf("%v → %v: month bucket steps by %d", prev, d, got)
	}
}

func TestFloorDiv(t *testing.T) {
	for _, tt := range []struct{ a, b, want int64 }{
		{7, 7, 1}, {6, 7, 0}, {0, 7, 0}, {-1, 7, -1}, {-7, 7, -1}, {-8, 7, -2},
	} {
		if got := floorDiv(tt.a, tt.b); got != tt.want {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
