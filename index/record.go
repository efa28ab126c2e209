package index

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Compression of a stored backup file.
type Compression uint8

const (
	None Compression = iota
	Zstd
	// Delta: a zstd frame whose dictionary is another backup's original
	// bytes (Record.Base); schema 6 on.
	Delta
)

// String is "none", "zstd" or "delta" ("compression(N)" for a value no
// release defines).
func (c Compression) String() string {
	switch c {
	case None:
		return "none"
	case Zstd:
		return "zstd"
	case Delta:
		return "delta"
	}
	return "compression(" + strconv.Itoa(int(c)) + ")"
}

// ParseStatus says whether a backup's config parsed in its host's format
// when it was taken.
type ParseStatus uint8

const (
	// ParseUnknown: not checked (a record from before parse checks, or an
	// adopted file).
	ParseUnknown ParseStatus = iota
	// Parsed: the config parsed.
	Parsed
	// Unparsable: the config did not parse; its bytes were kept as they are.
	Unparsable
)

// String is "unknown", "parsed" or "unparsable" ("parse(N)" for a value no
// release defines).
func (p ParseStatus) String() string {
	switch p {
	case ParseUnknown:
		return "unknown"
	case Parsed:
		return "parsed"
	case Unparsable:
		return "unparsable"
	}
	return "parse(" + strconv.Itoa(int(p)) + ")"
}

// Record is one backup's catalogue entry.
type Record struct {
	Host         string
	Timestamp    string    // the file name's timestamp string, unchanged
	Created      time.Time // exact instant, UTC, microsecond precision
	File         string    // slash-separated path relative to the root: "<host>/<name>"
	StoredSize   int64     // bytes on disk
	OriginalSize int64     // bytes before compression
	OriginalPath string    // config path it was taken from; "" when unknown
	SHA256       [32]byte  // of the original bytes
	Compression  Compression
	Parse        ParseStatus
	// Safety: a restore took this backup of the content it was about to
	// replace. Such a backup is not one the user asked for, so the store
	// does not restore it by default. Records of schema 3 and before
	// never have it, nor does a record adopted from a file (the mark is
	// in no file name).
	Safety bool
	// Base is the timestamp of the backup of the same host whose original
	// bytes a Delta is encoded against; "" for any other compression.
	Base string
}

// Limits on what a record may hold. They bound what a damaged value can make
// Decode allocate, and Decode enforces the same rules as Encode so every
// record Decode returns can be written back.
const (
	maxNameLen = 255  // host, file name and timestamp: one path element
	maxPathLen = 4096 // original config path: PATH_MAX
	// maxOffset bounds the distance in seconds between a timestamp's wall
	// clock and Created that the compact form stores (time zones are hours).
	maxOffset = 1 << 31
)

// validate reports why r cannot be stored, or "".
func (r *Record) validate() string {
	switch {
	case !validElement(r.Host):
		return fmt.Sprintf("host %q is not a plain name", r.Host)
	case r.Timestamp == "" || len(r.Timestamp) > maxNameLen || strings.ContainsRune(r.Timestamp, 0):
		return fmt.Sprintf("timestamp %q is empty, too long or holds a NUL", r.Timestamp)
	case r.Created.IsZero() || r.Created.UnixMicro() < 0:
		return fmt.Sprintf("created %s is before 1970", r.Created)
	case r.StoredSize < 0 || r.OriginalSize < 0:
		return fmt.Sprintf("negative size (stored %d, original %d)", r.StoredSize, r.OriginalSize)
	case len(r.OriginalPath) > maxPathLen || strings.ContainsRune(r.OriginalPath, 0):
		return "original path is too long or holds a NUL"
	case r.Compression > Delta:
		return "unknown " + r.Compression.String()
	case (r.Compression == Delta) != (r.Base != ""):
		return "a delta needs a base, and only a delta has one"
	case len(r.Base) > maxNameLen || strings.ContainsRune(r.Base, 0):
		return "base timestamp is too long or holds a NUL"
	case r.Parse > Unparsable:
		return "unknown " + r.Parse.String()
	}
	if name, ok := strings.CutPrefix(r.File, r.Host+"/"); !ok || !validElement(name) {
		return fmt.Sprintf("file %q is not %q followed by a plain name", r.File, r.Host+"/")
	}
	return ""
}

// validElement reports whether s is usable as one element of a relative
// path: not empty, ".", "..", too long, and without separators or NUL.
func validElement(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= maxNameLen &&
		!strings.ContainsAny(s, "/\\\x00")
}

// canonicalName is the file name hatch-backup gives a backup; a record whose
// file has it stores no name at all.
func canonicalName(host, ts string, c Compression) string {
	name := "mcp.json." + host + "." + ts
	switch c {
	case Zstd:
		name += ".zst"
	case Delta:
		name += ".delta"
	}
	return name
}

// recordKey is a record's key in its host bucket: Created in Unix
// microseconds, 8 bytes big-endian, so byte order is time order.
func recordKey(created time.Time) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(created.UnixMicro()))
}
