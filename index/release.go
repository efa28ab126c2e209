package index

import bolt "go.etcd.io/bbolt"

// ReleasePages lets the kernel drop the index's mapped pages from this
// process (see releasePages; a no-op where that does not apply): a build
// that puts 1,000,000 records a batch at a time touches every page of the
// file, and would otherwise keep them all resident.
func (db *DB) ReleasePages() {
	_ = db.bolt.View(func(tx *bolt.Tx) error {
		releasePages(db.bolt, tx)
		return nil
	})
}
