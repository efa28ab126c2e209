package index

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The bucket layout of schema version 1.
const (
	// BucketMeta holds KeySchema.
	BucketMeta = "meta"
	// KeySchema in BucketMeta holds the schema version, 4 bytes big-endian.
	KeySchema = "schema"
	// BucketHosts holds one nested bucket per host; their keys are Created
	// in Unix microseconds, 8 bytes big-endian, their values the encoded
	// records.
	BucketHosts = "hosts"
	// BucketTime has one empty value per record, keyed by Created (8 bytes,
	// as in a host bucket) followed by the host name, so that all hosts in
	// a time range are one cursor seek.
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

// layout returns the hosts and time buckets; nil, nil when the index has no
// layout yet, ErrCorrupt when only one of them exists.
func layout(tx *bolt.Tx) (hosts, times *bolt.Bucket, err error) {
	hosts, times = tx.Bucket([]byte(BucketHosts)), tx.Bucket([]byte(BucketTime))
	if (hosts == nil) != (times == nil) {
		return nil, nil, fmt.Errorf("%w: only one of the buckets %q and %q exists",
			ErrCorrupt, BucketHosts, BucketTime)
	}
	return hosts, times, nil
}
