package blob

import (
	"errors"
	"time"
)

// Sentinel errors.
var (
	// ErrBadName: a file name is not a backup name of any known pattern.
	ErrBadName = errors.New("not a backup name")
	// ErrBadTimestamp: a timestamp is not YYYYMMDD_HHMMSS_ffffff or names an
	// impossible date.
	ErrBadTimestamp = errors.New("invalid backup timestamp")
	// ErrBadHost: a host name is not lowercase letters, digits and dashes.
	ErrBadHost = errors.New("invalid host name")
	// ErrCorrupt: compressed data does not decode.
	ErrCorrupt = errors.New("compressed data is corrupt")
	// ErrTooLarge: decoded data would exceed the caller's limit.
	ErrTooLarge = errors.New("decoded data exceeds the size limit")
)

// Prefix is the first part of every name this program writes.
const Prefix = "mcp.json"

// ZstdSuffix marks a compressed backup file.
const ZstdSuffix = ".zst"

// Name is a parsed backup file name.
type Name struct {
	Prefix     string // "mcp.json", or the original file name of a Python Hatch backup
	Host       string // normalised host name, e.g. "claude-desktop"
	Timestamp  string // YYYYMMDD_HHMMSS_ffffff, exactly as in the name
	Compressed bool   // name ends in .zst
	// Legacy is the host spelling of an "mcp.json.MCPHostType.<HOST>.<ts>"
	// name ("CLAUDE_DESKTOP"); empty for other patterns.
	Legacy string
}

// NewName is the name this program gives a new backup.
func NewName(host, timestamp string, compressed bool) Name { panic("unimplemented") }

// String formats the name; ParseName(n.String()) == n.
func (n Name) String() string { panic("unimplemented") }

// ParseName parses "mcp.json.<host>.<ts>[.zst]" and the Python Hatch
// patterns "<file>.<host>.<ts>" and "mcp.json.MCPHostType.<HOST>.<ts>".
func ParseName(file string) (Name, error) { panic("unimplemented") }

// ValidateHost checks the syntax of a host name (not whether it is known).
func ValidateHost(host string) error { panic("unimplemented") }

// FormatTimestamp writes t, in t's own location, as YYYYMMDD_HHMMSS_ffffff.
func FormatTimestamp(t time.Time) string { panic("unimplemented") }

// ParseTimestamp reads YYYYMMDD_HHMMSS_ffffff as a wall-clock time in loc.
func ParseTimestamp(s string, loc *time.Location) (time.Time, error) { panic("unimplemented") }

// Sum is the SHA-256 of the original (uncompressed) bytes.
func Sum(data []byte) [32]byte { panic("unimplemented") }

// Compress encodes src as one zstd frame, with a shared, reused encoder.
func Compress(src []byte) []byte { panic("unimplemented") }

// Decompress decodes a zstd frame with a shared, reused decoder, refusing
// (ErrTooLarge) to produce more than limit bytes; ErrCorrupt when it does
// not decode.
func Decompress(src []byte, limit int64) ([]byte, error) { panic("unimplemented") }
