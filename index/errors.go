package index

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	berrors "go.etcd.io/bbolt/errors"
)

// Sentinel errors. Every bbolt error is translated into one of these at this
// package's boundary, wrapped with %w together with the path of the index
// and the detail, so errors.Is works and the message names the file.
var (
	// ErrNotFound is returned by Latest, Get and Delete when no record
	// matches (also when the index has no layout yet, for Latest and Get).
	ErrNotFound = errors.New("backup not found in index")

	// ErrExists is returned by Put and PutMany when a record's (Host,
	// Created) key is taken; nothing is written.
	ErrExists = errors.New("backup already indexed")

	// ErrLocked is returned by AcquireLock when the store lock is held past
	// the timeout, and by Open when bbolt's own file lock on the index is.
	ErrLocked = errors.New("store is locked by another process")

	// ErrCorrupt is returned when the index file is damaged: 0 bytes,
	// truncated, not a bbolt file, a bad checksum, a symlink or not a
	// regular file (Open), invalid pages or a panic inside bbolt while
	// reading (any method), an undecodable record or one whose path id does
	// not resolve (Get, Latest, List, Check, CompactTo), or buckets that do
	// not match the schema or each other (Check).
	ErrCorrupt = errors.New("index is damaged")

	// ErrNoIndex is returned by Open with ReadOnly when the index file does
	// not exist (a read-write Open creates it instead).
	ErrNoIndex = errors.New("index does not exist")

	// ErrNewerSchema is returned by the migrations package when the index's
	// schema version is higher than this program knows: a newer
	// hatch-backup wrote it. This package never returns it itself.
	ErrNewerSchema = errors.New("index schema is newer than this program")

	// ErrReadOnly is returned by Put, PutMany, Delete and Upgrade on an
	// index opened with Options.ReadOnly.
	ErrReadOnly = errors.New("index is open read-only")

	// ErrInvalidRecord is returned by Put and PutMany when a record cannot
	// be stored: empty or unsafe host, name or timestamp, Created before
	// 1970, a negative size, an unknown compression, or a File that is not
	// "<host>/<name>". Nothing is written.
	ErrInvalidRecord = errors.New("invalid index record")

	// ErrNoLayout is returned by Put, PutMany, Replace, Delete and
	// DeleteMany when the index lacks the bucket layout of schema 3
	// (migrations.Up has not run), and by CompactTo when it has hosts but
	// not that layout. Reads on an index without layout find nothing
	// instead; before migration 3 they read the older records.
	ErrNoLayout = errors.New("index has no layout yet (migrations not applied)")

	// ErrSchemaConflict is returned by Upgrade when the index's schema
	// version is not to-1 (another process upgraded it, or the caller asked
	// for a step out of order). Nothing is written.
	ErrSchemaConflict = errors.New("index schema version does not allow this upgrade")
)

// failure formats an error of operation op on the index at path: the
// sentinel is wrapped so errors.Is finds it, the detail (when non-nil) too.
func failure(op, path string, sentinel error, detail any) error {
	switch d := detail.(type) {
	case nil:
		return fmt.Errorf("%s index %s: %w", op, path, sentinel)
	case error:
		return fmt.Errorf("%s index %s: %w: %w", op, path, sentinel, d)
	default:
		return fmt.Errorf("%s index %s: %w: %v", op, path, sentinel, d)
	}
}

// ours reports whether err already wraps one of this package's sentinels
// (and so already names the path).
func ours(err error) bool {
	for _, s := range []error{ErrNotFound, ErrExists, ErrLocked, ErrCorrupt, ErrNoIndex,
		ErrNewerSchema, ErrReadOnly, ErrInvalidRecord, ErrNoLayout, ErrSchemaConflict} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// translate maps an error from a transaction on an open index to this
// package's sentinels and names the operation and the file. Code inside a
// transaction returns bare errors (sentinel and detail, no path): the path
// is added here, once.
func translate(op, path string, err error) error {
	switch {
	case err == nil:
		return nil
	case ours(err):
		return fmt.Errorf("%s index %s: %w", op, path, err)
	case errors.Is(err, berrors.ErrTimeout):
		return failure(op, path, ErrLocked, err)
	case errors.Is(err, berrors.ErrDatabaseReadOnly), errors.Is(err, berrors.ErrTxNotWritable):
		return failure(op, path, ErrReadOnly, err)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrInvalidMapping),
		errors.Is(err, berrors.ErrIncompatibleValue):
		return failure(op, path, ErrCorrupt, err)
	}
	return fmt.Errorf("%s index %s: %w", op, path, err)
}

// translateOpen is translate for bolt.Open on an existing, non-empty file:
// anything bbolt refuses that is not an error of the operating system is
// about the file's content, hence damage. That covers the plain-string
// errors bbolt has no sentinel for ("file size too small 1234" for a
// truncated file) without comparing strings.
func translateOpen(path string, err error) error {
	var pathErr *fs.PathError
	var errno syscall.Errno
	switch {
	case err == nil || ours(err):
		return err
	case errors.Is(err, syscall.ELOOP):
		return failure("open", path, ErrCorrupt, "it is a symlink")
	case errors.Is(err, berrors.ErrTimeout):
		return failure("open", path, ErrLocked, err)
	case errors.As(err, &pathErr), errors.As(err, &errno):
		return fmt.Errorf("open index %s: %w", path, err)
	}
	return failure("open", path, ErrCorrupt, err)
}
