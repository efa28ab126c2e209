package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// parseTimeArg reads a --since or --until value: a backup timestamp, a
// local date YYYY-MM-DD (the start of that day, or with end its last
// microsecond), an RFC 3339 instant, or an age such as 90m, 36h, 7d before
// now. The zero time stands for an empty value (unbounded).
func parseTimeArg(flag, s string, now time.Time, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := store.ParseTimestamp(s, loc); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		if end {
			return d.AddDate(0, 0, 1).Add(-time.Microsecond), nil
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if age, ok := parseAge(s); ok {
		return now.Add(-age), nil
	}
	return time.Time{}, usagef("--%s %q: want a backup timestamp (YYYYMMDD_HHMMSS_ffffff), a date (YYYY-MM-DD), RFC 3339, or an age such as 90m, 36h, 7d", flag, s)
}

// parseAge reads a whole number followed by s, m, h, d (24 h) or w (7 d).
func parseAge(s string) (time.Duration, bool) {
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if len(s) < 2 {
		return 0, false
	}
	unit, ok := units[s[len(s)-1]]
	num := s[:len(s)-1]
	if !ok || strings.TrimLeft(num, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n > int64(time.Duration(1<<62)/unit) {
		return 0, false
	}
	return time.Duration(n) * unit, true
}
