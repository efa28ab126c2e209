package store

import (
	"errors"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/index"
)

// Sentinel errors. Each is wrapped with the path or value at fault; test
// with errors.Is.
var (
	// ErrUnknownHost: a host name that is not in the host table.
	ErrUnknownHost = errors.New("unknown host")
	// ErrInvalid: an argument that cannot be used (a bad timestamp, a
	// config that is a directory or a FIFO, a config too large, ...).
	ErrInvalid = errors.New("invalid input")
	// ErrNotFound: no such backup.
	ErrNotFound = errors.New("no such backup")
	// ErrConfigMissing: the config file (or the folder of a restore
	// target) does not exist.
	ErrConfigMissing = errors.New("not found")
	// ErrNoOriginalPath: a backup whose original path is unknown was
	// restored without a target.
	ErrNoOriginalPath = errors.New("original config path unknown")
	// ErrIntegrity: a backup file is missing, truncated or does not match
	// its checksum, or the index is damaged.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrLocked: another hatch-backup held the store past the lock timeout.
	ErrLocked = index.ErrLocked
	// ErrNewerSchema: the index was written by a newer hatch-backup.
	ErrNewerSchema = index.ErrNewerSchema
	// ErrInUse: another program (a host app, an antivirus) kept a file
	// open so that it could not be replaced, for about 2 s of retries;
	// Windows only. Nothing was changed.
	ErrInUse = hatomic.ErrInUse
	// ErrReadOnly: a write through a store opened read-only.
	ErrReadOnly = errors.New("store is open read-only")
)

// IsIntegrity reports whether err is an integrity problem: a damaged
// backup or a damaged index.
func IsIntegrity(err error) bool {
	return errors.Is(err, ErrIntegrity) || errors.Is(err, index.ErrCorrupt)
}
