package index

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// The bucket layout. Schema 1 (CreateLayout) made meta, hosts and time;
// schema 3 (DropTimeAddPaths) replaced time with paths.
const (
	// BucketMeta holds KeySchema.
	BucketMeta = "meta"
	// KeySchema in BucketMeta holds the schema version, 4 bytes big-endian.
	KeySchema = "schema"
	// BucketHosts holds one nested bucket per host; their keys are Created
	// in Unix microseconds, 8 bytes big-endian, their values the encoded
	// records.
	BucketHosts = "hosts"
	// BucketPaths interns the records' original paths (schema 3): an id
	// (8 bytes big-endian, from the bucket's sequence, never 0) maps to its
	// path, and the path to its id. A path holds no NUL, so its key never
	// starts with the 0 byte that every id key starts with.
	BucketPaths = "paths"
	// BucketTime (schemas 1 and 2 only) had one empty value per record,
	// keyed by Created followed by the host name. Migration 3 deletes it:
	// listings of all hosts merge the host buckets instead.
	BucketTime = "time"
)

// CreateLayout creates the buckets of schema version 1 (BucketMeta,
// BucketHosts, BucketTime) that do not exist yet. It is migration 1; it does
// not set the schema version (Upgrade does).
func CreateLayout(tx *bolt.Tx) error {
	for _, name := range []string{BucketMeta, BucketHosts, BucketTime} {
		if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// DropTimeAddPaths is migration 3: it creates BucketPaths and deletes
// BucketTime. Records are not rewritten (versions 1 and 2 keep their paths
// inline); new ones are version 3. ErrNoLayout when there is no
// BucketHosts.
func DropTimeAddPaths(tx *bolt.Tx) error {
	if tx.Bucket([]byte(BucketHosts)) == nil {
		return ErrNoLayout
	}
	if _, err := tx.CreateBucketIfNotExists([]byte(BucketPaths)); err != nil {
		return fmt.Errorf("create bucket %q: %w", BucketPaths, err)
	}
	if err := tx.DeleteBucket([]byte(BucketTime)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return fmt.Errorf("delete bucket %q: %w", BucketTime, err)
	}
	return nil
}

// Schema returns the schema version in the meta bucket; 0 for a new file.
func (db *DB) Schema() (uint32, error) {
	var v uint32
	err := db.view("read schema of", func(tx *bolt.Tx) (err error) {
		v, err = readSchema(tx)
		return err
	})
	return v, err
}

// Upgrade runs fn and sets the schema version to `to` in one transaction;
// the current version must be to-1 (ErrSchemaConflict otherwise). If fn
// fails nothing is written and its error is returned, wrapped.
func (db *DB) Upgrade(to uint32, fn func(tx *bolt.Tx) error) error {
	return db.update("upgrade", func(tx *bolt.Tx) error {
		cur, err := readSchema(tx)
		if err != nil {
			return err
		}
		if to == 0 || cur != to-1 {
			return fmt.Errorf("%w: schema is %d, version %d needs %d",
				ErrSchemaConflict, cur, to, int64(to)-1)
		}
		if err := fn(tx); err != nil {
			return fmt.Errorf("to schema %d: %w", to, err)
		}
		meta, err := tx.CreateBucketIfNotExists([]byte(BucketMeta))
		if err != nil {
			return err
		}
		return meta.Put([]byte(KeySchema), binary.BigEndian.AppendUint32(nil, to))
	})
}

// readSchema returns the schema version; 0 when there is no meta bucket.
func readSchema(tx *bolt.Tx) (uint32, error) {
	meta := tx.Bucket([]byte(BucketMeta))
	if meta == nil {
		return 0, nil
	}
	v := meta.Get([]byte(KeySchema))
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: schema version is %d bytes, want 4", ErrCorrupt, len(v))
	}
	return binary.BigEndian.Uint32(v), nil
}

// layout returns the hosts and paths buckets; hosts nil when the index
// has no layout yet, paths nil before migration 3 (records of versions 1
// and 2 still read), ErrCorrupt for paths without hosts.
func layout(tx *bolt.Tx) (hosts, paths *bolt.Bucket, err error) {
	hosts, paths = tx.Bucket([]byte(BucketHosts)), tx.Bucket([]byte(BucketPaths))
	if hosts == nil && paths != nil {
		return nil, nil, fmt.Errorf("%w: bucket %q exists without %q", ErrCorrupt, BucketPaths, BucketHosts)
	}
	return hosts, paths, nil
}
