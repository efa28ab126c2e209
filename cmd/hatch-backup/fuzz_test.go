package main

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzParseTimeArg: --since/--until never panic; a value is either a
// usage error naming the flag and the value, or a time that an end-of-day
// reading never puts before the start-of-day one. testdata/fuzz/ keeps
// the corpus.
func FuzzParseTimeArg(f *testing.F) {
	for _, s := range []string{
		"", "20250921_100000_123456", "2025-09-21", "2025-09-21T10:00:00Z",
		"2025-09-21T10:00:00.5+02:00", "90m", "36h", "7d", "2w", "0d",
		"yesterday", "-7d", "99999999999999999999d", "../../x", "2025-02-30",
		"20251340_000000_000000", "20250921_100000_1234567", "1e9h", "\x00",
	} {
		f.Add(s)
	}
	loc := time.FixedZone("test", 5*3600+1800)
	now := time.Date(2025, 9, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		start, err := parseTimeArg("since", s, now, loc, false)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), "--since") {
				t.Fatalf("parseTimeArg(%q): %v, not a usage error naming --since", s, err)
			}
			return
		}
		end, err := parseTimeArg("until", s, now, loc, true)
		if err != nil {
			t.Fatalf("parseTimeArg(%q) parses as a start but not as an end: %v", s, err)
		}
		if end.Before(start) {
			t.Fatalf("parseTimeArg(%q): end %v before start %v", s, end, start)
		}
	})
}
