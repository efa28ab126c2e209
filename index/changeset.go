package index

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BucketChangeSets (schema 5) holds the change sets of guard and undo: the
// key is the change set's id (8 bytes big-endian, from the bucket's
// sequence, never 0), the value its JSON encoding. Change sets are few (one
// per guarded command) and read whole, so JSON's cost does not matter and
// a field added later still decodes.
const BucketChangeSets = "changesets"

// CreateChangeSets is the migration that adds BucketChangeSets.
func CreateChangeSets(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists([]byte(BucketChangeSets)); err != nil {
		return fmt.Errorf("create bucket %q: %w", BucketChangeSets, err)
	}
	return nil
}

// ChangeSet is one guarded run (or one undo): what the configs held before
// and after it.
type ChangeSet struct {
	ID uint64 `json:"-"`
	// Command is the command line as given; it may hold secrets, so it is
	// shown only masked.
	Command []string  `json:"command"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
	// ExitCode is the command's exit code, -1 when it was killed by a
	// signal; meaningful only when Complete.
	ExitCode int `json:"exit_code"`
	// Complete is false while the run is under way, and stays false when
	// it was killed before its after backups.
	Complete bool `json:"complete"`
	// Undoes is the id of the change set this one undid (0: not an undo).
	Undoes uint64       `json:"undoes,omitempty"`
	Hosts  []HostChange `json:"hosts"`
}

// HostChange is one config in a change set; a nil state is "absent".
type HostChange struct {
	Host   string       `json:"host"`
	Path   string       `json:"path"`
	Before *ConfigState `json:"before"`
	After  *ConfigState `json:"after"`
}

// ConfigState is a config's content as a backup holds it.
type ConfigState struct {
	Timestamp string    `json:"timestamp"`
	Created   time.Time `json:"created"`
	SHA256    [32]byte  `json:"sha256"`
}

// PutChangeSet stores cs under cs.ID, or under a new id when cs.ID is 0,
// and returns the id. One fsynced transaction.
func (db *DB) PutChangeSet(cs ChangeSet) (uint64, error) {
	id := cs.ID
	err := db.update("record change set in", func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketChangeSets))
		if b == nil {
			return ErrNoLayout
		}
		if id == 0 {
			var err error
			if id, err = b.NextSequence(); err != nil {
				return err
			}
		}
		v, err := json.Marshal(cs)
		if err != nil {
			return err
		}
		return b.Put(binary.BigEndian.AppendUint64(nil, id), v)
	})
	return id, err
}

// ChangeSets calls fn with the change sets, newest first, until fn returns
// false. An index without the bucket has none.
func (db *DB) ChangeSets(fn func(ChangeSet) bool) error {
	return db.view("read change sets of", func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketChangeSets))
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if len(k) != 8 {
				return fmt.Errorf("%w: change set key of %d bytes", ErrCorrupt, len(k))
			}
			var cs ChangeSet
			if err := json.Unmarshal(v, &cs); err != nil {
				return fmt.Errorf("%w: change set %d: %v", ErrCorrupt, binary.BigEndian.Uint64(k), err)
			}
			cs.ID = binary.BigEndian.Uint64(k)
			if !fn(cs) {
				return nil
			}
		}
		return nil
	})
}
