package index

import (
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sentinel errors. Every bbolt error is translated into one of these at this
// package's boundary (wrapped with %w so the detail survives).
var (
	// ErrNotFound: no record matches.
	ErrNotFound = errors.New("backup not found in index")
	// ErrExists: Put of a (host, created) key that is taken.
	ErrExists = errors.New("backup already indexed")
	// ErrLocked: the store lock or the index was held past the timeout.
	ErrLocked = errors.New("store is locked by another process")
	// ErrCorrupt: the index file is damaged (0 bytes, truncated, bad
	// checksum, a symlink, invalid pages, undecodable record).
	ErrCorrupt = errors.New("index is damaged")
	// ErrNoIndex: Open with ReadOnly of an index file that does not exist.
	ErrNoIndex = errors.New("index does not exist")
	// ErrNewerSchema: the index was written by a newer version of hatch-backup.
	ErrNewerSchema = errors.New("index schema is newer than this program")
	// ErrReadOnly: a write on an index opened read-only.
	ErrReadOnly = errors.New("index is open read-only")
)

// Compression of a stored backup file.
type Compression uint8

const (
	None Compression = iota
	Zstd
)

// String is "none" or "zstd".
func (c Compression) String() string { panic("unimplemented") }

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
}

// Options for Open. The zero value opens read-write and tries the file lock
// once.
type Options struct {
	ReadOnly bool
	// Timeout bounds the wait for bbolt's file lock; it is never "forever".
	Timeout time.Duration
}

// DB is an open index.
type DB struct{ bolt *bolt.DB }

// Open opens the index file at path (O_NOFOLLOW).
func Open(path string, opts Options) (*DB, error) { panic("unimplemented") }

func (db *DB) Close() error { panic("unimplemented") }

// Schema returns the schema version in the meta bucket; 0 for a new file.
func (db *DB) Schema() (uint32, error) { panic("unimplemented") }

// Upgrade runs fn and sets the schema version to `to` in one transaction;
// the current version must be to-1.
func (db *DB) Upgrade(to uint32, fn func(tx *bolt.Tx) error) error { panic("unimplemented") }

// Put adds a record; ErrExists when its (Host, Created) key is taken.
func (db *DB) Put(r Record) error { panic("unimplemented") }

// Delete removes the record of host at created; ErrNotFound if absent.
func (db *DB) Delete(host string, created time.Time) error { panic("unimplemented") }

// Latest returns host's newest record by Created.
func (db *DB) Latest(host string) (Record, error) { panic("unimplemented") }

// Get finds host's record whose Timestamp is ts; near is ts read as local
// time, used to seek (the search widens to the whole host if needed).
func (db *DB) Get(host, ts string, near time.Time) (Record, error) { panic("unimplemented") }

// Query selects records. Zero Since/Until mean unbounded (both inclusive);
// no Hosts means all; Limit 0 means no limit.
type Query struct {
	Hosts        []string
	Since, Until time.Time
	Limit        int
}

// List calls fn for each matching record, newest first, streaming.
func (db *DB) List(q Query, fn func(Record) error) error { panic("unimplemented") }

// Count returns the number of records.
func (db *DB) Count() (int, error) { panic("unimplemented") }

// Check runs bbolt's consistency check; ErrCorrupt on any finding.
func (db *DB) Check() error { panic("unimplemented") }

// Lock is the store lock (<root>/lock).
type Lock struct{}

// AcquireLock takes the store lock file at path (created 0600 if missing,
// O_NOFOLLOW): exclusive for writers, shared for readers, polling until
// timeout (0: try once); ErrLocked when it expires.
func AcquireLock(path string, exclusive bool, timeout time.Duration) (*Lock, error) {
	panic("unimplemented")
}

func (l *Lock) Release() error { panic("unimplemented") }
