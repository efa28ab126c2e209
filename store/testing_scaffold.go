package store

// Test scaffolding for the tests of the layers above the store (the CLI's),
// which may import the store and nothing below it: what they need of the
// index, the retention engine and the compressor, reached through here.
// The program itself never calls these.

import (
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/retention"
)

// GenRecord is a backup's index record, as Populate returns them.
type GenRecord = index.Record

// GenDecision is one of retention's decisions, as GenDecide returns them.
type GenDecision = retention.Decision

// Lock takes the store lock of root exclusively, as a writer does, waiting
// up to timeout; release lets it go. For tests of what waits for or
// refuses a held store.
func Lock(root string, timeout time.Duration) (release func() error, err error) {
	l, err := index.AcquireLock(filepath.Join(root, LockFile), true, timeout)
	if err != nil {
		return nil, err
	}
	return l.Release, nil
}

// WriteNewerSchema marks the index of root as one schema newer than this
// program knows (SchemaVersion()+1), as a newer hatch-backup would leave
// it.
func WriteNewerSchema(root string, timeout time.Duration) error {
	return editIndex(root, timeout, func(db *index.DB) error {
		return db.Upgrade(SchemaVersion()+1, index.CreateLayout)
	})
}

// LatestRecord is the index record of host's newest backup at root.
func LatestRecord(root, host string) (r GenRecord, err error) {
	err = editIndex(root, 0, func(db *index.DB) error {
		r, err = db.Latest(host)
		return err
	})
	return r, err
}

// PutRecord adds r to the index of root as it is, right or wrong: for
// tests of what finds an index that does not match the files.
func PutRecord(root string, r GenRecord) error {
	return editIndex(root, 0, func(db *index.DB) error { return db.Put(r) })
}

// editIndex opens the index of root for writing, without the store lock
// or migrations, runs edit and closes it.
func editIndex(root string, timeout time.Duration, edit func(*index.DB) error) error {
	db, err := index.Open(filepath.Join(root, IndexFile), index.Options{Timeout: timeout})
	if err != nil {
		return err
	}
	if err := edit(db); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// GenDecide is the retention engine's own decisions for recs under p at
// now, in loc: what clean must do with them.
func GenDecide(recs []GenRecord, p Policy, now time.Time, loc *time.Location) ([]GenDecision, error) {
	items := make([]retention.Item, 0, len(recs))
	for _, r := range recs {
		items = append(items, retention.Item{ID: r.File, Host: r.Host, Created: r.Created})
	}
	return retention.Decide(items, p, now, loc)
}

// GenCompress is data as one zstd frame, as the store compresses backups.
func GenCompress(data []byte) []byte { return blob.Compress(data) }

// RemoteTestWorkFactorEnv names the variable that lowers the remote's
// scrypt work factor, so that tests of push and pull run fast (see
// remote.TestWorkFactorEnv).
const RemoteTestWorkFactorEnv = remote.TestWorkFactorEnv
