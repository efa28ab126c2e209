package blob

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // America/New_York even where the system has no zoneinfo
)

func TestFormatTimestamp(t *testing.T) {
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"python docs example", time.Date(2025, 9, 21, 10, 0, 0, 123456000, time.UTC), "20250921_100000_123456"},
		{"microsecond 0", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "20250102_030405_000000"},
		{"microsecond 999999", time.Date(2025, 12, 31, 23, 59, 59, 999999000, time.UTC), "20251231_235959_999999"},
		{"nanoseconds truncate, never round up", time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.UTC), "20251231_235959_999999"},
		{"year 1", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "00010101_000000_000000"},
		{"year 9999", time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), "99991231_235959_999999"},
		{"own location, not UTC", time.Date(2025, 1, 1, 0, 30, 0, 1000, est), "20250101_003000_000001"},
		{"leap day", time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "20240229_120000_000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatTimestamp(tt.t); got != tt.want {
				t.Errorf("FormatTimestamp(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestFormatTimestampOutOfRangeYearDoesNotParse(t *testing.T) {
	for _, year := range []int{-1, 0, 10000, 123456} {
		t.Run(strconv.Itoa(year), func(t *testing.T) {
			s := FormatTimestamp(time.Date(year, 6, 1, 0, 0, 0, 0, time.UTC))
			if _, err := ParseTimestamp(s, time.UTC); !errors.Is(err, ErrBadTimestamp) {
				t.Errorf("year %d formatted as %q, which ParseTimestamp accepts (err %v)", year, s, err)
			}
		})
	}
}

// zones returns the locations the round trip runs in; New York only when
// its zone data loads.
func zones(t *testing.T) []*time.Location {
	t.Helper()
	locs := []*time.Location{time.UTC, time.FixedZone("plus0530", 5*3600+1800), time.FixedZone("minus11", -11*3600)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		locs = append(locs, ny)
	} else {
		t.Logf("skipping America/New_York: %v", err)
	}
	return locs
}

func TestTimestampRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC).UnixMicro()
	hi := time.Date(9999, 12, 30, 0, 0, 0, 0, time.UTC).UnixMicro()
	instants := []time.Time{
		time.Date(2025, 9, 21, 10, 0, 0, 123456000, time.UTC),
		time.Date(2025, 3, 9, 6, 59, 59, 999999000, time.UTC), // just before New York springs forward
		time.Date(2025, 11, 2, 4, 0, 0, 0, time.UTC),          // New York: first 01:00 of the repeated hour
		time.Date(2025, 11, 2, 6, 0, 0, 0, time.UTC),          // New York: after it
		time.UnixMicro(lo), time.UnixMicro(hi), time.Unix(0, 0),
	}
	for range 2000 {
		instants = append(instants, time.UnixMicro(lo+rng.Int64N(hi-lo)))
	}
	for _, loc := range zones(t) {
		t.Run(loc.String(), func(t *testing.T) {
			for _, in := range instants {
				want := in.In(loc)
				s := FormatTimestamp(want)
				got, err := ParseTimestamp(s, loc)
				if err != nil {
					t.Fatalf("ParseTimestamp(%q): %v", s, err)
				}
				if FormatTimestamp(got) != s {
					t.Fatalf("%v: formats as %q, parses back as %v", want, s, got)
				}
				// In a repeated DST hour the wall time names two instants;
				// elsewhere it names exactly one.
				if !got.Equal(want) && !repeatedHour(want) {
					t.Fatalf("%v: formats as %q, parses back as %v", want, s, got)
				}
			}
		})
	}
}

// repeatedHour reports whether t's wall clock occurs twice in its location.
func repeatedHour(t time.Time) bool {
	for _, d := range []time.Duration{-2 * time.Hour, -time.Hour, time.Hour, 2 * time.Hour} {
		if FormatTimestamp(t.Add(d)) == FormatTimestamp(t) {
			return true
		}
	}
	return false
}

func TestParseTimestampZone(t *testing.T) {
	plus2 := time.FixedZone("plus2", 2*3600)
	got, err := ParseTimestamp("20250921_100000_123456", plus2)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2025, 9, 21, 8, 0, 0, 123456000, time.UTC)
	if !got.Equal(want) || got.Location() != plus2 {
		t.Errorf("got %v, want %v in plus2", got, want)
	}
	if got, _ := ParseTimestamp("20250921_100000_123456", nil); !got.Equal(time.Date(2025, 9, 21, 10, 0, 0, 123456000, time.UTC)) {
		t.Errorf("nil location: got %v, want UTC", got)
	}
}

// TestParseTimestampDSTGap documents that a wall time New York skips is
// accepted and normalised, not refused.
func TestParseTimestampDSTGap(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	const s = "20250309_023000_000000" // 02:00-03:00 does not exist that day
	got, err := ParseTimestamp(s, ny)
	if err != nil {
		t.Fatalf("ParseTimestamp(%q) = %v, want accepted", s, err)
	}
	if re := FormatTimestamp(got); re == s || (re != "20250309_013000_000000" && re != "20250309_033000_000000") {
		t.Errorf("gap time %q normalised to %q, want an hour either side", s, re)
	}
}

func TestParseTimestampBad(t *testing.T) {
	tests := []struct{ name, s string }{
		{"empty", ""},
		{"ISO date", "2025-09-21"},
		{"RFC 3339", "2025-09-21T10:00:00Z"},
		{"month 13", "20251301_000000_000000"},
		{"month 13 day 40", "20251340_000000_000000"},
		{"month 0", "20250001_000000_000000"},
		{"day 0", "20250100_000000_000000"},
		{"day 32", "20250132_000000_000000"},
		{"April 31", "20250431_000000_000000"},
		{"Feb 30 leap year", "20240230_000000_000000"},
		{"Feb 29 non-leap year", "20250229_000000_000000"},
		{"Feb 29 1900", "19000229_000000_000000"},
		{"year 0", "00000101_000000_000000"},
		{"hour 24", "20250921_240000_000000"},
		{"minute 60", "20250921_106000_000000"},
		{"second 60 (leap second)", "20161231_235960_000000"},
		{"seven microsecond digits", "20250921_100000_1234567"},
		{"five microsecond digits", "20250921_100000_12345"},
		{"no microseconds", "20250921_100000"},
		{"dot before microseconds", "20250921_100000.123456"},
		{"dashes", "20250921-100000-123456"},
		{"path traversal", "../../x"},
		{"traversal of the right length", "../../../../../../../x"},
		{"slash inside", "2025/921_100000_123456"},
		{"dot-dot inside", "20250921_1000.._123456"},
		{"plus sign", "+0250921_100000_123456"},
		{"space", " 0250921_100000_123456"},
		{"trailing newline", "20250921_100000_12345\n"},
		{"NUL", "20250921_100000_12345\x00"},
		{"fullwidth digit", "２0250921_100000_1234"},
		{"underscore moved", "2025092_1100000_123456"},
		{"all underscores", "______________________"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTimestamp(tt.s, time.UTC)
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("ParseTimestamp(%q) = %v, want ErrBadTimestamp", tt.s, err)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tt.s)) {
				t.Errorf("error %q does not quote the value %q", err, tt.s)
			}
		})
	}
}

func TestParseTimestampLeapDays(t *testing.T) {
	for _, s := range []string{"20240229_000000_000000", "20000229_235959_999999", "16000229_120000_000001"} {
		t.Run(s, func(t *testing.T) {
			if _, err := ParseTimestamp(s, time.UTC); err != nil {
				t.Errorf("ParseTimestamp(%q): %v", s, err)
			}
		})
	}
}
