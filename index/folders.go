package index

import (
	"encoding/binary"

	bolt "go.etcd.io/bbolt"
)

// BucketFolders (schema 5 in this branch; 7 once merged) holds, per host, the state of the host's
// backup folder when hatch-backup last wrote it (FolderState, 9 bytes).
// Another program (Python Hatch, a person) that adds or removes files in
// the folder changes its modification time, which a later open compares
// with one stat per host. The bucket may be missing (an index built or
// compacted before the first writer recorded anything): every folder's
// state is then unknown.
const BucketFolders = "folders"

// FolderState is what one stat of a host folder says of its entries: its
// modification time, which Linux, macOS and Windows all move when an
// entry is added, removed or renamed, and whether it exists.
type FolderState struct {
	Exists  bool
	ModTime int64 // Unix nanoseconds; 0 when missing
}

func (f FolderState) encode() []byte {
	b := make([]byte, 9)
	if f.Exists {
		b[0] = 1
	}
	binary.BigEndian.PutUint64(b[1:], uint64(f.ModTime))
	return b
}

func decodeFolderState(v []byte) (FolderState, bool) {
	if len(v) != 9 || v[0] > 1 {
		return FolderState{}, false
	}
	return FolderState{Exists: v[0] == 1, ModTime: int64(binary.BigEndian.Uint64(v[1:]))}, true
}

// CreateFolders creates BucketFolders (its migration). It
// touches nothing else, so it applies after any other migration.
func CreateFolders(tx *bolt.Tx) error {
	_, err := tx.CreateBucketIfNotExists([]byte(BucketFolders))
	return err
}

// FolderStates returns the recorded state of each host folder; a host
// missing from the map (or a value that does not decode) is unknown.
func (db *DB) FolderStates() (map[string]FolderState, error) {
	out := map[string]FolderState{}
	err := db.view("read folder states", func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(BucketFolders))
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if st, ok := decodeFolderState(v); ok {
				out[string(k)] = st
			}
			return nil
		})
	})
	return out, err
}

// SetFolderStates records the states given, in one transaction, creating
// BucketFolders when it is missing.
func (db *DB) SetFolderStates(states map[string]FolderState) error {
	if len(states) == 0 {
		return nil
	}
	return db.update("record folder states", func(tx *bolt.Tx) error {
		return putFolderStates(tx, states)
	})
}

// putFolderStates writes states into BucketFolders (made when missing).
func putFolderStates(tx *bolt.Tx, states map[string]FolderState) error {
	if len(states) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists([]byte(BucketFolders))
	if err != nil {
		return err
	}
	for host, st := range states {
		if err := b.Put([]byte(host), st.encode()); err != nil {
			return err
		}
	}
	return nil
}

// Generation is the id of the index's last committed write transaction:
// equal before and after an operation, the operation wrote nothing.
func (db *DB) Generation() (uint64, error) {
	var id uint64
	err := db.view("read generation", func(tx *bolt.Tx) error {
		id = uint64(tx.ID())
		return nil
	})
	return id, err
}
