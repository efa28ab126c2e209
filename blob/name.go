package blob

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Prefix is the first part of every name this program writes.
const Prefix = "mcp.json"

// ZstdSuffix marks a compressed backup file.
const ZstdSuffix = ".zst"

// legacyPrefix begins the "mcp.json.MCPHostType.<HOST>.<ts>" names that
// Python Hatch wrote by formatting its host enum instead of its value.
const legacyPrefix = Prefix + ".MCPHostType"

// Name is a parsed backup file name.
type Name struct {
	Prefix     string // "mcp.json", or the original file name of a Python Hatch backup
	Host       string // normalised host name, e.g. "claude-desktop"
	Timestamp  string // YYYYMMDD_HHMMSS_ffffff, exactly as in the name
	Compressed bool   // name ends in .zst
	Delta      bool   // name ends in .delta (a zstd delta against another backup)
	// Legacy is the host spelling of an "mcp.json.MCPHostType.<HOST>.<ts>"
	// name ("CLAUDE_DESKTOP"); empty for other patterns.
	Legacy string
}

// NewName is the name this program gives a new backup. It does not validate
// host or timestamp: callers validate the host once on input and build the
// timestamp with FormatTimestamp.
func NewName(host, timestamp string, compressed bool) Name {
	return Name{Prefix: Prefix, Host: host, Timestamp: timestamp, Compressed: compressed}
}

// String formats the name; ParseName(n.String()) == n for every n that
// ParseName returned or NewName built from a valid host and timestamp.
func (n Name) String() string {
	host := n.Host
	if n.Legacy != "" {
		host = "MCPHostType." + n.Legacy
	}
	s := n.Prefix + "." + host + "." + n.Timestamp
	if n.Compressed {
		s += ZstdSuffix
	}
	if n.Delta {
		s += DeltaSuffix
	}
	return s
}

// ParseName parses "mcp.json.<host>.<ts>[.zst|.delta]" and the Python Hatch
// patterns "<file>.<host>.<ts>" and "mcp.json.MCPHostType.<HOST>.<ts>"
// (each also with ".zst").
//
// It reads from the right: an optional ".zst", the 22-byte timestamp, the
// host up to the previous '.', and the rest is the prefix. A legacy <HOST>
// ("CLAUDE_DESKTOP" or "CLAUDE-DESKTOP") is normalised into Host
// ("claude-desktop") and kept as written in Legacy, with Prefix "mcp.json".
// "mcp.json.<ts>" is refused as missing its host, though any other
// "<file>.<ts>" splits at its last dot (see the package doc).
//
// Refused with ErrBadName: names starting with '.' (temp and hidden files),
// names with '/', '\\', NUL or another ASCII control character, an empty
// prefix (which would start with '.'), and a timestamp or host that
// ParseTimestamp or ValidateHost refuses (whose error is wrapped as well).
func ParseName(file string) (Name, error) {
	n, err := parseName(file)
	if err != nil {
		return Name{}, fmt.Errorf("%w %q: %w", ErrBadName, file, err)
	}
	return n, nil
}

// parseName does ParseName's work; its errors say why, and ParseName puts
// the name in front of them.
func parseName(file string) (Name, error) {
	if err := checkFileChars(file); err != nil {
		return Name{}, err
	}
	rest, compressed := strings.CutSuffix(file, ZstdSuffix)
	delta := false
	if !compressed {
		rest, delta = strings.CutSuffix(file, DeltaSuffix)
	}
	cut := len(rest) - TimestampLen - 1
	if cut < 0 || rest[cut] != '.' {
		return Name{}, fmt.Errorf("does not end in .YYYYMMDD_HHMMSS_ffffff[%s]", ZstdSuffix)
	}
	ts := rest[cut+1:]
	if _, err := ParseTimestamp(ts, time.UTC); err != nil {
		return Name{}, err
	}
	// The prefix is never empty: the name would start with '.'.
	prefix, host, ok := cutLast(rest[:cut], '.')
	if !ok || rest[:cut] == Prefix {
		return Name{}, errors.New("no host before the timestamp")
	}
	n := Name{Prefix: prefix, Host: host, Timestamp: ts, Compressed: compressed, Delta: delta}
	if prefix == legacyPrefix {
		if h, ok := legacyHost(host); ok {
			n.Prefix, n.Host, n.Legacy = Prefix, h, host
			return n, nil
		}
	}
	if err := ValidateHost(host); err != nil {
		return Name{}, err
	}
	return n, nil
}

// checkFileChars refuses what cannot be a backup's own file name.
func checkFileChars(file string) error {
	switch {
	case file == "":
		return errors.New("empty")
	case file[0] == '.':
		return errors.New("starts with '.' (a temp or hidden file)")
	}
	for i := 0; i < len(file); i++ {
		switch c := file[i]; {
		case c == '/' || c == '\\':
			return errors.New("contains a path separator")
		case c < 0x20 || c == 0x7f:
			return errors.New("contains a control character")
		}
	}
	return nil
}

// cutLast splits s around its last sep; ok is false when there is none.
func cutLast(s string, sep byte) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, sep)
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}
