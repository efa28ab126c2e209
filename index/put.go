package index

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// appendFill is the FillPercent of the record buckets: backups arrive in
// time order, so pages that split are left full rather than half empty
// (bbolt's default), which nearly halves the file.
const appendFill = 1.0

// Put adds a record; ErrExists when its (Host, Created) key is taken.
//
// Created is stored at microsecond precision (finer digits are dropped).
// File is stored as its name only when that differs from the name
// hatch-backup gives a backup; Host is the bucket's name. ErrInvalidRecord
// when r cannot be stored, ErrNoLayout before migrations ran, ErrReadOnly
// on a read-only index. One fsynced transaction per call: see PutMany to
// add many records at once.
func (db *DB) Put(r Record) error {
	return db.PutMany([]Record{r})
}

// PutMany adds records in one transaction: all or none. ErrExists when a
// key is taken, in the index or twice in records; otherwise as Put.
func (db *DB) PutMany(records []Record) error {
	return db.putNoting(records, nil)
}

// PutNoting is Put with the given host folder states recorded in the same
// transaction (see SetFolderStates): a backup and the state of the folder
// it went into cost one commit, not two.
func (db *DB) PutNoting(r Record, folders map[string]FolderState) error {
	return db.putNoting([]Record{r}, folders)
}

func (db *DB) putNoting(records []Record, folders map[string]FolderState) error {
	for _, r := range records {
		if err := validRecord(r); err != nil {
			return fmt.Errorf("put into index %s: %w", db.path, err)
		}
	}
	return db.update("put into", func(tx *bolt.Tx) error {
		hosts, paths, err := writableLayout(tx)
		if err != nil {
			return err
		}
		w := newPathWriter(paths)
		for _, r := range records {
			if err := put(hosts, w, r); err != nil {
				return err
			}
		}
		return putFolderStates(tx, folders)
	})
}

func put(hosts *bolt.Bucket, paths *pathWriter, r Record) error {
	hb, err := hosts.CreateBucketIfNotExists([]byte(r.Host))
	if err != nil {
		return err
	}
	hb.FillPercent = appendFill
	key := recordKey(r.Created)
	if hb.Get(key) != nil {
		return fmt.Errorf("%w: %s at %s", ErrExists, r.Host, r.Created.UTC().Format(time.RFC3339Nano))
	}
	value, err := encodeRecord(r, paths)
	if err != nil {
		return err
	}
	return hb.Put(key, value)
}

// Delete removes the record of host at created; ErrNotFound if absent.
// A host whose last record goes loses its bucket; interned paths stay
// (CompactTo keeps only those in use). ErrNoLayout before
// migrations ran, ErrReadOnly on a read-only index.
func (db *DB) Delete(host string, created time.Time) error {
	return db.update("delete from", func(tx *bolt.Tx) error {
		hosts, _, err := writableLayout(tx)
		if err != nil {
			return err
		}
		key := recordKey(created)
		var hb *bolt.Bucket
		if host != "" {
			hb = hosts.Bucket([]byte(host))
		}
		if host == "" || hb == nil || hb.Get(key) == nil {
			return fmt.Errorf("%w: %s at %s", ErrNotFound, host, created.UTC().Format(time.RFC3339Nano))
		}
		if err := hb.Delete(key); err != nil {
			return err
		}
		if k, _ := hb.Cursor().First(); k == nil {
			return hosts.DeleteBucket([]byte(host))
		}
		return nil
	})
}

// writableLayout is layout for writers: ErrNoLayout when migrations have
// not made the layout of schema 3 (BucketPaths included).
func writableLayout(tx *bolt.Tx) (hosts, paths *bolt.Bucket, err error) {
	hosts, paths, err = layout(tx)
	if err == nil && (hosts == nil || paths == nil) {
		err = ErrNoLayout
	}
	return hosts, paths, err
}
