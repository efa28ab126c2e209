package index

import "time"

// A backup timestamp is YYYYMMDD_HHMMSS_ffffff, a wall clock in the local
// time of the machine that wrote it. The index keeps the string unchanged;
// when it is exactly Created moved by whole seconds (the time-zone offset of
// that day) only the offset is stored, two or three bytes instead of 23.
const stampLen = 22

// stampOffset returns the seconds from created (Unix microseconds) to the
// wall clock ts names, and whether ts is stored that way: ts must be in the
// exact form and come back unchanged from formatStamp.
func stampOffset(ts string, created int64) (int64, bool) {
	wall, ok := parseStamp(ts)
	if !ok {
		return 0, false
	}
	off := wall - created
	if off%1e6 != 0 || off/1e6 < -maxOffset || off/1e6 > maxOffset {
		return 0, false
	}
	return off / 1e6, true
}

// parseStamp reads ts as a UTC wall clock in Unix microseconds; false unless
// formatStamp gives ts back (so no Feb 30, no hour 24).
func parseStamp(ts string) (int64, bool) {
	if len(ts) != stampLen || ts[8] != '_' || ts[15] != '_' {
		return 0, false
	}
	var n [7]int
	fields := [7][2]int{{0, 4}, {4, 6}, {6, 8}, {9, 11}, {11, 13}, {13, 15}, {16, 22}}
	for i, f := range fields {
		for _, c := range []byte(ts[f[0]:f[1]]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	t := time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], n[6]*1000, time.UTC)
	wall := t.UnixMicro()
	if back, ok := formatStamp(wall); !ok || back != ts {
		return 0, false
	}
	return wall, true
}

// formatStamp writes a UTC wall clock given in Unix microseconds; false when
// its year does not fit four digits.
func formatStamp(wall int64) (string, bool) {
	t := time.UnixMicro(wall).UTC()
	year, month, day := t.Date()
	hour, minute, second := t.Clock()
	if year < 0 || year > 9999 {
		return "", false
	}
	var b [stampLen]byte
	put := func(at, width, v int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, 4, year)
	put(4, 2, int(month))
	put(6, 2, day)
	b[8] = '_'
	put(9, 2, hour)
	put(11, 2, minute)
	put(13, 2, second)
	b[15] = '_'
	put(16, 6, t.Nanosecond()/1000)
	return string(b[:]), true
}
