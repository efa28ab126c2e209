package index

import (
	"time"

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

// releasePeriod is how often releaseWhile lets the pages go: bbolt's
// check reads about 1 GB/s of index here (68 MB in 60-120 ms), so about
// 2 MB in that time. Under heavy load the releasing goroutine may wake
// late, and more stays resident until it does: a bound in practice, not
// a guarantee.
const releasePeriod = 2 * time.Millisecond

// releaseWhile releases the pages of tx's mapping every releasePeriod
// until the returned stop is called: for bbolt's own check, which reads
// every page in a goroutine of its own and gives no hook between pages.
// Dropping pages while they are read is safe (see releasePages): a page
// touched again faults back in with the same bytes.
func (db *DB) releaseWhile(tx *bolt.Tx) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(releasePeriod)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				releasePages(db.bolt, tx)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		releasePages(db.bolt, tx)
	}
}
