package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize bounds one transaction of CompactTo, so that a large index
// is copied without holding all of it in memory.
const compactTxSize = 16 << 20

// CompactTo writes a minimal copy of the index to a new file at dst (mode
// FileMode, never a name that exists: ErrExists wraps fs.ErrExist then):
// every bucket, key and value, pages filled completely. The copy is
// complete and fsynced when CompactTo returns nil; on error dst is removed.
//
// It does not sync dst's directory and does not replace anything: the
// caller swaps the copy in, under the store lock (a process waiting on the
// old file's bbolt lock would otherwise write into an unlinked file).
func (db *DB) CompactTo(dst string) error {
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("compact index %s to %s: %w", db.path, dst, errors.Join(ErrExists, fs.ErrExist, err))
	}
	out, err := openBolt(dst, false, true, tryOnce)
	if err != nil {
		return fmt.Errorf("compact index %s to %s: %w", db.path, dst, err)
	}
	err = db.compactInto(out)
	if cerr := out.bolt.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return errors.Join(fmt.Errorf("compact index %s to %s: %w", db.path, dst, err), os.Remove(dst))
	}
	return nil
}

// compactInto copies db into out; bbolt's panics on damaged pages of the
// source become ErrCorrupt.
func (db *DB) compactInto(out *DB) error {
	return db.view("compact", func(*bolt.Tx) error {
		return bolt.Compact(out.bolt, db.bolt, compactTxSize)
	})
}
