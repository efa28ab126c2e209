package index

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize bounds one transaction of CompactTo.
const compactTxSize = 16 << 20

// CompactTo writes a minimal copy of the index to a new file at dst (mode
// FileMode, never a name that exists: ErrExists wraps fs.ErrExist then):
// every bucket, key and value, pages filled completely, every record
// rewritten in the current version (its path interned) and only the paths
// records use. The copy is complete and fsynced when CompactTo returns
// nil; on error dst is removed. A record that does not decode fails it
// (ErrCorrupt), as does an index that migrations have not brought to
// schema 3 (ErrNoLayout).
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
	return db.view("compact", func(tx *bolt.Tx) error {
		hosts, paths, err := layout(tx)
		if err != nil {
			return err
		}
		if hosts != nil && paths == nil {
			return fmt.Errorf("%w: schema 3 layout missing", ErrNoLayout)
		}
		w := &copier{db: out.bolt}
		defer w.rollback()
		err = tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			switch string(name) {
			case BucketHosts:
				return w.records(b, newPathReader(paths, true))
			case BucketPaths:
				return nil // rebuilt by records
			}
			return w.bucket([][]byte{name}, b)
		})
		if err != nil {
			return err
		}
		return w.commit()
	})
}

// copier writes into the copy in transactions of about compactTxSize
// bytes, so that a large index is copied without holding all of it in
// memory.
type copier struct {
	db      *bolt.DB
	tx      *bolt.Tx
	size    int
	buckets map[string]*bolt.Bucket // of tx, by path
	paths   map[string]uint64       // interned so far, across transactions
}

// at is the bucket at path in the copy, created as needed, in the current
// transaction (one is begun, and the last committed once it holds
// compactTxSize bytes).
func (c *copier) at(path ...[]byte) (*bolt.Bucket, error) {
	if c.tx != nil && c.size >= compactTxSize {
		if err := c.commit(); err != nil {
			return nil, err
		}
	}
	if c.tx == nil {
		tx, err := c.db.Begin(true)
		if err != nil {
			return nil, err
		}
		c.tx, c.size, c.buckets = tx, 0, map[string]*bolt.Bucket{}
	}
	id := string(bytes.Join(path, []byte{0}))
	if b := c.buckets[id]; b != nil {
		return b, nil
	}
	b, err := c.tx.CreateBucketIfNotExists(path[0])
	for _, name := range path[1:] {
		if err == nil {
			b, err = b.CreateBucketIfNotExists(name)
		}
	}
	if err != nil {
		return nil, err
	}
	b.FillPercent = appendFill
	c.buckets[id] = b
	return b, nil
}

func (c *copier) put(path [][]byte, k, v []byte) error {
	b, err := c.at(path...)
	if err != nil {
		return err
	}
	c.size += len(k) + len(v)
	return b.Put(k, v)
}

func (c *copier) commit() error {
	if c.tx == nil {
		return nil
	}
	err := c.tx.Commit()
	c.tx = nil
	return err
}

func (c *copier) rollback() {
	if c.tx != nil {
		_ = c.tx.Rollback()
	}
}

// bucket copies b to path as it is: keys, values, nested buckets and
// sequence.
func (c *copier) bucket(path [][]byte, b *bolt.Bucket) error {
	dst, err := c.at(path...)
	if err == nil && b.Sequence() != 0 {
		err = dst.SetSequence(b.Sequence())
	}
	if err != nil {
		return err
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return c.bucket(append(path[:len(path):len(path)], k), b.Bucket(k))
		}
		return c.put(path, k, v)
	})
}

// records copies the host buckets, every record decoded with paths and
// encoded again in the current version.
func (c *copier) records(hosts *bolt.Bucket, paths *pathReader) error {
	c.paths = map[string]uint64{}
	if _, err := c.at([]byte(BucketPaths)); err != nil {
		return err
	}
	if _, err := c.at([]byte(BucketHosts)); err != nil {
		return err
	}
	return hosts.ForEachBucket(func(name []byte) error {
		path := [][]byte{[]byte(BucketHosts), name}
		return hosts.Bucket(name).ForEach(func(k, v []byte) error {
			r, err := decodeRecord(string(name), k, v, paths)
			if err != nil {
				return err
			}
			value, err := encodeRecord(r, c)
			if err != nil {
				return err
			}
			return c.put(path, k, value)
		})
	})
}

// idOf interns p in the copy (copier is encodeRecord's pathInterner).
func (c *copier) idOf(p string) (uint64, error) {
	if id, ok := c.paths[p]; ok || p == "" {
		return id, nil
	}
	b, err := c.at([]byte(BucketPaths))
	if err != nil {
		return 0, err
	}
	id, err := newPathWriter(b).idOf(p)
	if err == nil {
		c.paths[p] = id
	}
	return id, err
}
