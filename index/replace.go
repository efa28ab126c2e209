package index

import (
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Replace overwrites the record at r's (Host, Created) key with r, in one
// fsynced transaction: compaction uses it to point an entry at its new
// file. ErrNotFound when no record has that key; otherwise as Put.
func (db *DB) Replace(r Record) error {
	if err := validRecord(r); err != nil {
		return fmt.Errorf("replace in index %s: %w", db.path, err)
	}
	return db.update("replace in", func(tx *bolt.Tx) error {
		hosts, paths, err := writableLayout(tx)
		if err != nil {
			return err
		}
		hb := hosts.Bucket([]byte(r.Host))
		key := recordKey(r.Created)
		if hb == nil || hb.Get(key) == nil {
			return fmt.Errorf("%w: %s at %s", ErrNotFound, r.Host, r.Created.UTC().Format(time.RFC3339Nano))
		}
		value, err := encodeRecord(r, newPathWriter(paths))
		if err != nil {
			return err
		}
		return hb.Put(key, value)
	})
}

// DeleteMany removes the records of records' (Host, Created) keys in one
// transaction: all or none. ErrNotFound, and nothing removed, when one is
// absent (or listed twice); otherwise as Delete.
func (db *DB) DeleteMany(records []Record) error {
	return db.update("delete from", func(tx *bolt.Tx) error {
		hosts, _, err := writableLayout(tx)
		if err != nil {
			return err
		}
		emptied := map[string]*bolt.Bucket{}
		for _, r := range records {
			hb := hosts.Bucket([]byte(r.Host))
			key := recordKey(r.Created)
			if r.Host == "" || hb == nil || hb.Get(key) == nil {
				return fmt.Errorf("%w: %s at %s", ErrNotFound, r.Host, r.Created.UTC().Format(time.RFC3339Nano))
			}
			if err := hb.Delete(key); err != nil {
				return err
			}
			emptied[r.Host] = hb
		}
		for host, hb := range emptied {
			if k, _ := hb.Cursor().First(); k == nil {
				if err := hosts.DeleteBucket([]byte(host)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ReplaceMany is Replace of every record of records in one fsynced
// transaction: all or none.
func (db *DB) ReplaceMany(records []Record) error {
	for _, r := range records {
		if err := validRecord(r); err != nil {
			return fmt.Errorf("replace in index %s: %w", db.path, err)
		}
	}
	return db.update("replace in", func(tx *bolt.Tx) error {
		hosts, paths, err := writableLayout(tx)
		if err != nil {
			return err
		}
		pw := newPathWriter(paths)
		for _, r := range records {
			hb := hosts.Bucket([]byte(r.Host))
			key := recordKey(r.Created)
			if hb == nil || hb.Get(key) == nil {
				return fmt.Errorf("%w: %s at %s", ErrNotFound, r.Host, r.Created.UTC().Format(time.RFC3339Nano))
			}
			value, err := encodeRecord(r, pw)
			if err != nil {
				return err
			}
			if err := hb.Put(key, value); err != nil {
				return err
			}
		}
		return nil
	})
}
