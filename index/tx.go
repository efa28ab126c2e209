package index

import (
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// view runs fn in a read transaction. bbolt panics on a damaged page, and a
// page past the end of the mapping faults: both become ErrCorrupt (panics
// of a caller's callback excepted, see callerPanic).
func (db *DB) view(op string, fn func(*bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer db.recoverCorrupt(op, &err)
	return translate(op, db.path, db.bolt.View(fn))
}

// update runs fn in a write transaction: committed if fn returns nil,
// rolled back otherwise (and on a panic, which becomes ErrCorrupt).
func (db *DB) update(op string, fn func(*bolt.Tx) error) (err error) {
	if db.bolt.IsReadOnly() {
		return failure(op, db.path, ErrReadOnly, nil)
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer db.recoverCorrupt(op, &err)
	return translate(op, db.path, db.bolt.Update(fn))
}

// recoverCorrupt is deferred by view and update.
func (db *DB) recoverCorrupt(op string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	if p, ok := r.(callerPanic); ok {
		panic(p.value)
	}
	*err = failure(op, db.path, ErrCorrupt, fmt.Sprintf("bbolt panicked: %v", r))
}

// callerPanic carries a panic of a caller's callback through recoverCorrupt,
// which re-raises it: a bug in the caller is not damage in the index.
type callerPanic struct{ value any }

// call runs a caller's callback, marking its panics.
func call(fn func(Record) error, r Record) error {
	defer func() {
		if v := recover(); v != nil {
			panic(callerPanic{v})
		}
	}()
	return fn(r)
}
