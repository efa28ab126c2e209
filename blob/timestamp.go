package blob

import (
	"fmt"
	"time"
)

// TimestampLen is the length of a backup timestamp, YYYYMMDD_HHMMSS_ffffff.
const TimestampLen = 22

// FormatTimestamp writes t, in t's own location, as YYYYMMDD_HHMMSS_ffffff.
//
// Callers pass local time, as Python Hatch writes local time. Nanoseconds
// are truncated to microseconds, never rounded, so the timestamp never names
// a later instant than t. time.Format cannot write "_ffffff" (its fractional
// seconds need a '.' or ','), hence the hand formatting.
//
// Years outside 1-9999 do not fit the form: they are written with as many
// digits (and sign) as they need, which ParseTimestamp rejects, rather than
// silently clamped to another date.
func FormatTimestamp(t time.Time) string {
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	var b []byte
	if year < 1 || year > 9999 {
		b = fmt.Appendf(make([]byte, 0, TimestampLen+2), "%04d", year)
	} else {
		b = appendDigits(make([]byte, 0, TimestampLen), year, 4)
	}
	b = appendDigits(b, int(month), 2)
	b = appendDigits(b, day, 2)
	b = append(b, '_')
	b = appendDigits(b, hour, 2)
	b = appendDigits(b, minute, 2)
	b = appendDigits(b, second, 2)
	b = append(b, '_')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return string(b)
}

// appendDigits appends v (0 <= v < 10^width) as exactly width decimal digits.
func appendDigits(b []byte, v, width int) []byte {
	start := len(b)
	for range width {
		b = append(b, '0')
	}
	for i := len(b) - 1; i >= start && v > 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return b
}

// ParseTimestamp reads YYYYMMDD_HHMMSS_ffffff as a wall-clock time in loc.
//
// It is strict: exactly 22 ASCII bytes, '_' at offsets 8 and 15, digits
// everywhere else, year 0001-9999, and a date and clock that exist on the
// calendar (no month 13, no day 32, no February 29 outside leap years, no
// hour 24, no minute or second 60). A nil loc means UTC.
//
// A wall time that the calendar allows but loc skips (the hour lost when
// daylight saving time starts) is accepted, not refused: time.Date
// normalises it to an instant that is right in one of the two zones around
// the transition, Go does not say which, so FormatTimestamp of the result in
// loc gives a different string. A wall time loc repeats (the hour gained when
// DST ends) likewise maps to one of its two instants. Callers that need the
// exact instant keep it beside the name (the index stores it in UTC) and
// select backups by the name's own string, never a re-formatted one.
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	f, why := splitTimestamp(s)
	if why != "" {
		return time.Time{}, fmt.Errorf("%w %q: %s", ErrBadTimestamp, s, why)
	}
	return time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.micro*1000, loc), nil
}

// tsFields are the numbers of a timestamp.
type tsFields struct {
	year, month, day, hour, minute, second, micro int
}

// splitTimestamp checks the shape of s and the range of each field; why
// says what is wrong, empty when nothing is.
func splitTimestamp(s string) (f tsFields, why string) {
	if len(s) != TimestampLen {
		return tsFields{}, fmt.Sprintf("want YYYYMMDD_HHMMSS_ffffff (%d bytes), got %d bytes", TimestampLen, len(s))
	}
	for i := 0; i < len(s); i++ {
		want := i == 8 || i == 15
		if (s[i] == '_') != want || (!want && !isDigit(s[i])) {
			return tsFields{}, "want YYYYMMDD_HHMMSS_ffffff"
		}
	}
	f = tsFields{
		year: atoi(s[0:4]), month: atoi(s[4:6]), day: atoi(s[6:8]),
		hour: atoi(s[9:11]), minute: atoi(s[11:13]), second: atoi(s[13:15]),
		micro: atoi(s[16:22]),
	}
	return f, f.check()
}

// check says which field no calendar date or clock reading has, or "".
func (f tsFields) check() string {
	switch {
	case f.year < 1:
		return "year 0000 does not exist"
	case f.month < 1 || f.month > 12:
		return fmt.Sprintf("month %02d out of range", f.month)
	case f.day < 1 || f.day > daysIn(f.year, f.month):
		return fmt.Sprintf("day %02d out of range for %04d-%02d", f.day, f.year, f.month)
	case f.hour > 23:
		return fmt.Sprintf("hour %02d out of range", f.hour)
	case f.minute > 59:
		return fmt.Sprintf("minute %02d out of range", f.minute)
	case f.second > 59:
		return fmt.Sprintf("second %02d out of range", f.second)
	}
	return ""
}

// daysIn is the number of days in month (1-12) of year, proleptic Gregorian.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// atoi reads a string of ASCII digits already checked by the caller.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
