package blob

import "errors"

// Sentinel errors. Every error this package returns wraps exactly one of
// them (ParseName may also wrap ErrBadHost or ErrBadTimestamp under
// ErrBadName); test with errors.Is.
var (
	// ErrBadName is returned by ParseName when a file name is not a backup
	// name of any known pattern, including temp files (leading '.').
	ErrBadName = errors.New("not a backup name")
	// ErrBadTimestamp is returned by ParseTimestamp (and, wrapped under
	// ErrBadName, by ParseName) when a timestamp is not
	// YYYYMMDD_HHMMSS_ffffff or names an impossible date.
	ErrBadTimestamp = errors.New("invalid backup timestamp")
	// ErrBadHost is returned by ValidateHost (and, wrapped under
	// ErrBadName, by ParseName) when a host name is not lowercase letters,
	// digits and single dashes.
	ErrBadHost = errors.New("invalid host name")
	// ErrCorrupt is returned by Decompress when its input is not a complete,
	// checksum-clean zstd frame: garbage, truncated, bit-flipped or empty.
	ErrCorrupt = errors.New("compressed data is corrupt")
	// ErrTooLarge is returned by Decompress when the decoded data would
	// exceed the caller's limit (or MaxDecodedSize).
	ErrTooLarge = errors.New("decoded data exceeds the size limit")
)
