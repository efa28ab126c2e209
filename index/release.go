package index

import (
	"runtime"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

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

// releaseWhile releases the pages of tx's mapping over and over until
// the returned stop is called: for bbolt's own check, which reads every
// page (about 1 GB/s here: 68 MB in 60-120 ms) in a goroutine of its own
// and gives no hook between pages. A timer was not enough: on a loaded
// machine its goroutine woke late, and the check had touched the whole
// index by then. This loop keeps a core busy for as long as the check
// runs, and the kernel's scheduler gives it about as much time as the
// check, so only a few MB stay resident. Dropping pages while they are
// read is safe (see releasePages): a page touched again faults back in
// with the same bytes.
func (db *DB) releaseWhile(tx *bolt.Tx) (stop func()) {
	if !releasesPages {
		return func() {}
	}
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for !done.Load() {
			releasePages(db.bolt, tx)
			runtime.Gosched()
		}
	}()
	return func() {
		done.Store(true)
		<-finished
		releasePages(db.bolt, tx)
	}
}
