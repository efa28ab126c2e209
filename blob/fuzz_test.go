package blob

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

// The seeds below run with every go test; testdata/fuzz/<FuzzName>/ holds
// more, and any crasher go test -fuzz finds is kept there as a regression.

func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"mcp.json.claude-desktop." + ts,
		"mcp.json.vscode." + ts + ".zst",
		"claude_desktop_config.json.claude-desktop." + ts,
		"mcp.json.MCPHostType.CLAUDE_DESKTOP." + ts,
		"mcp.json.MCPHostType.CLAUDE-DESKTOP." + ts + ".zst",
		"mcp.json.MCPHostType.vscode." + ts,
		".mcp.json.x.abc.tmp", "mcp.json." + ts, "", "../x." + ts,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		n, err := ParseName(file)
		if err != nil {
			if !errors.Is(err, ErrBadName) {
				t.Fatalf("ParseName(%q) = %v, not ErrBadName", file, err)
			}
			return
		}
		if s := n.String(); s != file {
			t.Fatalf("ParseName(%q).String() = %q", file, s)
		}
		if again, err := ParseName(n.String()); err != nil || again != n {
			t.Fatalf("ParseName(%q) = %#v, %v; want %#v", n, again, err, n)
		}
		if err := ValidateHost(n.Host); err != nil {
			t.Fatalf("ParseName(%q) accepted host: %v", file, err)
		}
		if _, err := ParseTimestamp(n.Timestamp, time.UTC); err != nil {
			t.Fatalf("ParseName(%q) accepted timestamp: %v", file, err)
		}
		if n.Prefix == "" || strings.ContainsAny(file, "/\\\x00") || file[0] == '.' {
			t.Fatalf("ParseName(%q) accepted %#v", file, n)
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		ts, "00010101_000000_000000", "99991231_235959_999999", "20240229_000000_000000",
		"20250229_000000_000000", "20251340_000000_000000", "20250921_240000_000000",
		"20250921_100000_1234567", "2025-09-21", "../../x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTimestamp(s, time.UTC)
		if err != nil {
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("ParseTimestamp(%q) = %v, not ErrBadTimestamp", s, err)
			}
			return
		}
		if re := FormatTimestamp(got); re != s {
			t.Fatalf("ParseTimestamp(%q) = %v, which formats as %q", s, got, re)
		}
		// A fixed zone has no gaps: the wall time comes back unchanged.
		zone := time.FixedZone("fuzz", -7*3600-1800)
		got, err = ParseTimestamp(s, zone)
		if err != nil || FormatTimestamp(got) != s {
			t.Fatalf("ParseTimestamp(%q, %v) = %v, %v", s, zone, got, err)
		}
	})
}

func FuzzValidateHost(f *testing.F) {
	for _, s := range []string{
		"claude-desktop", "vscode", "a", "a-1", "../etc", "/abs", "VSCode", "vs code",
		"\x00", "vscod\u0435", strings.Repeat("x", 300), "", "-x", "x-", "a--b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		err := ValidateHost(host)
		if err != nil {
			if !errors.Is(err, ErrBadHost) {
				t.Fatalf("ValidateHost(%q) = %v, not ErrBadHost", host, err)
			}
			return
		}
		if host == "" || len(host) > MaxHostLen || host[0] < 'a' || host[0] > 'z' ||
			strings.Contains(host, "--") || strings.HasSuffix(host, "-") {
			t.Fatalf("ValidateHost(%q) accepted it", host)
		}
		for _, c := range []byte(host) {
			if !isLower(c) && !isDigit(c) && c != '-' {
				t.Fatalf("ValidateHost(%q) accepted byte %q", host, c)
			}
		}
	})
}

func FuzzDecompress(f *testing.F) {
	for _, s := range [][]byte{
		Compress(nil), Compress([]byte("x")), Compress(configJSON(5 << 10)),
		append(Compress([]byte("a")), Compress([]byte("b"))...),
		frame(-1, 3, 0), frame(100, 1, 'a'), nil, []byte("not zstd"),
	} {
		f.Add(s, uint32(1<<20))
	}
	f.Fuzz(func(t *testing.T, src []byte, limit uint32) {
		limit %= 4 << 20 // keep each run small
		out, err := Decompress(src, int64(limit))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Decompress = %v, neither ErrCorrupt nor ErrTooLarge", err)
			}
			return
		}
		if uint64(len(out)) > uint64(limit) {
			t.Fatalf("Decompress gave %d bytes, limit %d", len(out), limit)
		}
		again, err := Decompress(Compress(out), int64(len(out)))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-compressed %d bytes came back as %d bytes, %v", len(out), len(again), err)
		}
	})
}
