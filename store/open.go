package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/migrations"
)

// File names inside the backup root.
const (
	IndexFile = "index.db"
	LockFile  = "lock"
)

// Modes of everything the store writes, whatever the umask.
const (
	DirMode  fs.FileMode = 0o700
	FileMode fs.FileMode = 0o600
)

// StreamThreshold is the size above which a config is streamed: read,
// hashed, compressed, written, checked and restored through fixed buffers,
// never held whole. At or below it a config is read into memory, which is
// faster for the kilobyte configs most hosts keep. A config of any size
// the file system holds is backed up.
const StreamThreshold = 8 << 20

// MaxParseSize is the largest config the commands that need a parsed
// document (diff, restore --servers, the server comparison of watch and
// guard) read whole; above it they refuse (watch and guard take the
// servers as unknown). It limits parsing only, never what is backed up.
const MaxParseSize = 64 << 20

// MaxConfigSize is MaxParseSize.
//
// Deprecated: configs of any size are backed up; use MaxParseSize for the
// limit on parsing, or StreamThreshold.
const MaxConfigSize = MaxParseSize

// Options configure Open. The zero value of every field but Root is usable.
type Options struct {
	// Root is the backup root folder. Required.
	Root string
	// UpgradingReader opens for reading (a shared lock; a root that does
	// not exist reads as an empty store, and nothing is created), unless
	// the store must be upgraded before it can be read: backup files with
	// no index, or an index at an older schema. Then Open takes the
	// writer's lock, builds or migrates the index (the Logger hears of it)
	// and returns the store open for writing. False opens for writing.
	UpgradingReader bool
	// LockTimeout bounds the wait for the store lock; 0 tries once.
	LockTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the zone backup names are written and read in; nil
	// means time.Local, as Python Hatch writes them.
	Location *time.Location
	// FS is the file-system seam; nil means the real one.
	FS hatomic.FS
	// Logger receives notices (a tightened root, an index built from
	// files). Nil discards them. Nothing logged ever holds config content.
	Logger *slog.Logger
	// Env resolves host config paths; nil means DefaultEnv().
	Env *Env
	// Inspect opens for verify: read-only, and a missing, damaged or newer
	// index is not an error: nothing is built or migrated, and Verify
	// reports what it found.
	Inspect bool
}

// Store is an open backup store. It holds the store lock until Close.
type Store struct {
	root     string
	readOnly bool
	opts     Options
	fs       hatomic.FS
	now      func() time.Time
	loc      *time.Location
	log      *slog.Logger
	env      Env
	lock     *index.Lock
	db       *index.DB // nil: no index and no backups yet (read-only open)
	// indexProblem is why an Inspect open could not use the index.
	indexProblem *Problem
	folders      folderTracking // see stale.go
	detached     *detached      // the lock was released for a push's upload (remote_cache.go)
}

// errNeedsWriter: a reader's open found work only a writer may do (build a
// missing index, migrate an old one); Open reopens as a writer.
var errNeedsWriter = errors.New("store needs a writer")

// Open opens the store at opts.Root for one operation.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Root == "" {
		return nil, fmt.Errorf("backup root: %w: empty path", ErrInvalid)
	}
	s := newStore(opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var err error
	if opts.Inspect {
		s.readOnly = true
		err = s.openInspect(ctx)
	} else if s.readOnly {
		err = s.openReader(ctx)
		if errors.Is(err, errNeedsWriter) {
			s.closeAll()
			s.readOnly = false
			err = s.openWriter(ctx)
		}
	} else {
		err = s.openWriter(ctx)
	}
	if err != nil {
		s.closeAll()
		return nil, err
	}
	if !opts.Inspect {
		s.checkFolders(!s.readOnly)
	}
	return s, nil
}

func newStore(opts Options) *Store {
	s := &Store{opts: opts, readOnly: opts.UpgradingReader, fs: opts.FS, now: opts.Now, loc: opts.Location, log: opts.Logger}
	if s.fs == nil {
		s.fs = hatomic.OS()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc = time.Local
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Env != nil {
		s.env = *opts.Env
	} else {
		s.env = DefaultEnv()
	}
	s.root = filepath.Clean(opts.Root)
	if abs, err := filepath.Abs(s.root); err == nil {
		s.root = abs
	}
	return s
}

// DefaultEnv reads the real OS, environment and file system.
func DefaultEnv() Env {
	cwd, _ := os.Getwd()
	return Env{
		GOOS:   runtime.GOOS,
		Getenv: os.Getenv,
		Exists: func(p string) bool { _, err := os.Stat(p); return err == nil },
		Cwd:    cwd,
	}
}

// resolveRoot follows a symlinked root to the folder it names, so that a
// root kept elsewhere (a synced folder) works and every path is real.
func (s *Store) resolveRoot() error {
	fi, err := s.fs.Lstat(s.root)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	real, err := s.fs.EvalSymlinks(s.root)
	if err != nil {
		return fmt.Errorf("backup root %s: %w", s.root, err)
	}
	s.root = real
	return nil
}

func (s *Store) openReader(ctx context.Context) error {
	if err := s.resolveRoot(); err != nil {
		return err
	}
	if missing, err := s.rootState(); err != nil || missing {
		return err // no root, no lock: an empty store
	}
	lock, err := index.AcquireLockContext(ctx, filepath.Join(s.root, LockFile), false, s.opts.LockTimeout)
	if err != nil {
		return err
	}
	s.lock = lock
	db, err := index.Open(s.indexPath(), index.Options{ReadOnly: true, Timeout: s.opts.LockTimeout})
	if errors.Is(err, index.ErrNoIndex) {
		if s.hasBackupFiles() {
			return errNeedsWriter
		}
		return nil
	}
	if err != nil {
		return err
	}
	s.db = db
	if pending, err := migrations.Pending(db); err != nil {
		return err
	} else if pending {
		return errNeedsWriter
	}
	return nil
}

func (s *Store) openWriter(ctx context.Context) error {
	if err := s.resolveRoot(); err != nil {
		return err
	}
	if _, err := s.rootState(); err != nil {
		return err
	}
	tightened, err := s.ensureRoot()
	if err != nil {
		return err
	}
	if tightened {
		s.log.Warn("tightened the backup root: removed group and other access", "path", s.root)
	}
	lock, err := index.AcquireLockContext(ctx, filepath.Join(s.root, LockFile), true, s.opts.LockTimeout)
	if err != nil {
		return err
	}
	s.lock = lock
	if _, err := s.fs.Lstat(s.indexPath()); errors.Is(err, fs.ErrNotExist) {
		return s.firstBuild(ctx)
	}
	db, err := index.Open(s.indexPath(), index.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return err
	}
	s.db = db
	_, err = migrations.Up(db)
	return err
}

// firstBuild builds the missing index from the backup files (one scan of
// the host folders; a root without backups adopts nothing, silently),
// complete before it is published (see buildIndex).
func (s *Store) firstBuild(ctx context.Context) error {
	a, err := s.buildIndex(ctx, nil, nil)
	if err != nil {
		return err
	}
	if a.count+len(a.problems) > 0 {
		s.log.Warn("no index found: built one from the backup files", "root", s.root, "backups", a.count)
	}
	return nil
}

func (s *Store) indexPath() string { return filepath.Join(s.root, IndexFile) }

// Root is the store's backup root (symlinks resolved).
func (s *Store) Root() string { return s.root }

// RootMissing reports that a read-only open found no root: the store
// reads as empty (a fresh install has none yet), and Verify says the root
// was not found. A mistyped root looks like this too, so say it.
func (s *Store) RootMissing() bool { return s.lock == nil }

// Close releases the index and the store lock.
func (s *Store) Close() error { return s.closeAll() }

func (s *Store) closeAll() error {
	var errs []error
	if s.db != nil {
		errs = append(errs, s.recordFolders())
		s.folders.record = false
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Release())
		s.lock = nil
	}
	return errors.Join(errs...)
}

// SchemaVersion is the index schema this program writes.
func SchemaVersion() uint32 { return migrations.Latest() }

func (s *Store) writable() error {
	if s.readOnly {
		return ErrReadOnly
	}
	return nil
}

// pathless is err without the *fs.PathError around it ("lstat /a/b: "),
// for messages that name the path at fault themselves.
func pathless(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// rootState judges the root's path before anything is opened or made:
// missing when nothing is there; a file there, or on the way there, is
// ErrInvalid (a --root naming a config by mistake).
func (s *Store) rootState() (missing bool, err error) {
	fi, err := s.fs.Stat(s.root)
	switch {
	case errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrNotExist):
		// The path is asked, not the error: Windows says "not found"
		// where Unix says ENOTDIR, and Go's Windows errors match ENOTDIR
		// for a path whose folder is merely missing.
		if s.fileOnPath() {
			return false, fmt.Errorf("backup root %s: %w: not a folder (a file is on its path)", s.root, ErrInvalid)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("backup root %s: %w", s.root, pathless(err))
	case !fi.IsDir():
		return false, fmt.Errorf("backup root %s: %w: not a folder", s.root, ErrInvalid)
	}
	return false, nil
}

// fileOnPath reports whether the nearest existing folder above a missing
// root is in fact a file.
func (s *Store) fileOnPath() bool {
	for p := filepath.Dir(s.root); ; p = filepath.Dir(p) {
		fi, err := s.fs.Stat(p)
		if err == nil {
			return !fi.IsDir()
		}
		if !errors.Is(err, fs.ErrNotExist) || filepath.Dir(p) == p {
			return false
		}
	}
}

// ensureRoot makes the root (and its parents) or tightens the one there
// (only ever removing access: a root at 0555 becomes 0500, never 0700),
// then makes sure this process may write in it, so that a writer fails
// at once, naming the root, rather than half way.
func (s *Store) ensureRoot() (tightened bool, err error) {
	_, tightened, err = hatomic.EnsureDir(s.fs, s.root, DirMode, true)
	switch {
	case errors.Is(err, hatomic.ErrNotDir):
		return false, fmt.Errorf("backup root %s: %w: not a folder", s.root, ErrInvalid)
	case err != nil:
		return false, fmt.Errorf("backup root %s: %w", s.root, pathless(err))
	}
	if err := canWrite(s.root); err != nil {
		return tightened, fmt.Errorf("backup root %s: %w: this user may not write in it", s.root, err)
	}
	return tightened, nil
}
