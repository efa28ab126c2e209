package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hatch-backup/hatch-backup/internal/osfile"
)

// Options for Open. The zero value opens read-write and tries the file lock
// once.
type Options struct {
	ReadOnly bool
	// Timeout bounds the wait for bbolt's file lock; it is never "forever".
	Timeout time.Duration
}

// tryOnce is the bbolt timeout that means "one attempt": bbolt gives up as
// soon as more than Timeout-50ms has passed after a failed attempt, and a
// Timeout of 0 would make it wait forever.
const tryOnce = 50 * time.Millisecond

// FileMode is the mode of a new index file, whatever the umask.
const FileMode fs.FileMode = 0o600

// DB is an open index.
type DB struct {
	bolt *bolt.DB
	path string
}

// Open opens the index file at path (O_NOFOLLOW).
//
// A missing file is created, mode FileMode, unless opts.ReadOnly
// (ErrNoIndex). An existing file must be a regular, non-empty, complete
// bbolt file: a symlink, a 0-byte file (which bbolt would silently turn
// into an empty index), garbage or a truncated file give ErrCorrupt and are
// left untouched. bbolt's own lock on the file, shared when ReadOnly, is
// waited for up to opts.Timeout (ErrLocked); it is not the store lock (see
// AcquireLock), which callers take first and hold while the index is open:
// two processes creating the same new index at once must be serialised by
// it.
func Open(path string, opts Options) (*DB, error) {
	create, err := preflight(path, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	if create {
		if err := createFile(path); err != nil {
			return nil, err
		}
		create = false
	}
	return openBolt(path, opts.ReadOnly, create, lockWait(time.Now().Add(opts.Timeout)))
}

// preflight looks at path before bbolt touches it; create reports that it
// does not exist yet.
func preflight(path string, readOnly bool) (create bool, err error) {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && readOnly:
		return false, failure("open", path, ErrNoIndex, nil)
	case errors.Is(err, fs.ErrNotExist):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("open index %s: %w", path, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return false, failure("open", path, ErrCorrupt, "it is a symlink, which is never followed")
	case !fi.Mode().IsRegular():
		return false, failure("open", path, ErrCorrupt, "it is not a regular file ("+fi.Mode().String()+")")
	case fi.Size() == 0:
		return false, failure("open", path, ErrCorrupt, "it is 0 bytes")
	}
	return false, nil
}

// lockWait is the bbolt timeout left until deadline, at least one attempt.
func lockWait(deadline time.Time) time.Duration {
	return max(time.Until(deadline), tryOnce)
}

// openBolt runs bolt.Open with the opener; a panic inside it (a damaged
// file) becomes ErrCorrupt.
func openBolt(path string, readOnly, create bool, timeout time.Duration) (*DB, error) {
	o := &opener{create: create}
	b, err := safeOpen(path, &bolt.Options{ReadOnly: readOnly, Timeout: timeout, OpenFile: o.open}, o)
	if err != nil {
		if o.created && !errors.Is(err, berrors.ErrTimeout) {
			_ = os.Remove(path) // nothing of ours is in it; leave no 0-byte index behind
		}
		return nil, translateOpen(path, err)
	}
	if o.created {
		if err := osfile.SyncDir(filepath.Dir(path)); err != nil {
			return nil, errors.Join(fmt.Errorf("create index %s: sync folder: %w", path, err), b.Close())
		}
	}
	return &DB{bolt: b, path: path}, nil
}

func safeOpen(path string, opts *bolt.Options, o *opener) (b *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			o.abandon() // bbolt lost its handle: close it, which drops the lock
			b, err = nil, failure("open", path, ErrCorrupt, fmt.Sprintf("bbolt panicked: %v", r))
		}
	}()
	return bolt.Open(path, FileMode, opts)
}

// checkSize refuses a file shorter than the pages its meta page claims.
func (db *DB) checkSize(op string) error {
	fi, err := os.Lstat(db.path)
	if err != nil {
		return fmt.Errorf("%s index %s: %w", op, db.path, err)
	}
	var need int64
	if err := db.view(op, func(tx *bolt.Tx) error { need = tx.Size(); return nil }); err != nil {
		return err
	}
	if fi.Size() < need {
		return failure(op, db.path, ErrCorrupt,
			fmt.Sprintf("truncated: %d bytes, its pages need %d", fi.Size(), need))
	}
	return nil
}

// Close closes the index and releases bbolt's lock on it.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close index %s: %w", db.path, err)
	}
	return nil
}

// Path is the index file's path, as given to Open.
func (db *DB) Path() string { return db.path }

// opener is bbolt's Options.OpenFile: never follows a symlink, creates only
// when told to (mode FileMode whatever the umask), and refuses an existing
// file that is empty or not a regular file.
type opener struct {
	create  bool
	created bool
	f       *os.File
}

func (o *opener) open(name string, flag int, _ fs.FileMode) (*os.File, error) {
	flag = flag&^os.O_CREATE | noFollow
	if o.create {
		f, err := os.OpenFile(name, flag|os.O_CREATE|os.O_EXCL, FileMode)
		if err == nil {
			if err := f.Chmod(FileMode); err != nil {
				f.Close()
				os.Remove(name)
				return nil, err
			}
			o.f, o.created = f, true
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	f, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		f.Close()
		if err == nil {
			err = failure("open", name, ErrCorrupt, "it is empty or not a regular file")
		}
		return nil, err
	}
	// Before bbolt maps it: a read-write open of a truncated file reads
	// past its end (a fault in the mapping), and on Windows bbolt grows any
	// file it maps read-write, garbage included. The store lock, held by
	// every caller, keeps writers out while this reads.
	need, problem := committedSize(f, fi.Size())
	if problem == "" && fi.Size() < need {
		problem = fmt.Sprintf("truncated: %d bytes, its pages need %d", fi.Size(), need)
	}
	if problem != "" {
		f.Close()
		return nil, failure("open", name, ErrCorrupt, problem)
	}
	o.f = f
	return f, nil
}

func (o *opener) abandon() {
	if o.f != nil {
		_ = o.f.Close()
	}
}
