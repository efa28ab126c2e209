package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime/debug"
	"slices"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
	"github.com/hatch-backup/hatch-backup/migrations"
)

// ReindexOptions tune Reindex.
type ReindexOptions struct {
	// Progress, if set, is called as the backups are re-read.
	Progress func(done, total int)
	// Adopted and Dropped, when set, receive each backup adopted (once
	// the index holds it: with an index built from the files, the new
	// index before it is published) and each entry dropped (once it is
	// gone), instead of ReindexResult's Adopted and Dropped, which then
	// stay empty: Reindex's memory then does not grow with them. An
	// error from either stops Reindex and is returned.
	Adopted, Dropped func(Backup) error
}

// ReindexResult says what Reindex changed and what it could not repair.
type ReindexResult struct {
	// MovedIndex is where a damaged index went ("" when it was sound).
	MovedIndex string
	Adopted    []Backup // backup files the index did not list, now indexed
	// Finished lists backups whose interrupted compact was finished: the
	// entry now names the .zst, and the plain copy of the same bytes is
	// gone.
	Finished    []Backup
	Dropped     []Backup // entries whose file was gone, now removed
	RemovedTemp []string // leftover temp files, deleted
	Tightened   []string // folders and backup files whose mode was fixed
	// AdoptedCount and DroppedCount count adopted and dropped backups,
	// whether they went to ReindexOptions' callbacks or to the lists.
	AdoptedCount, DroppedCount int
	// Checked and Problems are the verify run that ends every reindex:
	// the damage that is left (a backup whose bytes no longer match its
	// entry, an unknown file, a planted symlink, ...).
	Checked  int
	Problems []Problem
}

// Reindex rebuilds the index at opts.Root from the files, under the
// exclusive store lock. A missing or damaged index is replaced by one
// built from the files under a temp name and linked into place only when
// complete; the damaged one is moved aside (never deleted) just before. A
// sound index is reconciled in place: entries whose file is gone are
// dropped, unindexed backup files (ours and Python Hatch's) adopted.
// Adopted files get the instant their name and mtime agree on, else their
// name read in opts.Location (see instantOf). An interrupted compact
// (NAME and NAME.zst of the same bytes) is finished, one backup, its entry
// kept. Leftover temp files are removed and modes tightened; then it
// verifies the store and returns what is still wrong.
//
// It never rewrites a backup file, never deletes one except a plain copy
// whose bytes its indexed .zst holds (after the index names the .zst), and
// never deletes an unknown file. A backup whose bytes no longer match its entry keeps its entry:
// the entry is the only record of what was backed up, and blessing the
// damaged bytes would hide the damage from verify and restore. It is
// reported in Problems instead. Running Reindex twice changes nothing the
// second time. An index from a newer schema is refused (ErrNewerSchema),
// untouched.
func Reindex(ctx context.Context, opts Options, o ReindexOptions) (ReindexResult, error) {
	var res ReindexResult
	if opts.Root == "" {
		return res, fmt.Errorf("backup root: %w: empty path", ErrInvalid)
	}
	s := newStore(opts)
	defer s.closeAll()
	r := &reindexer{s: s, o: o, res: &res}
	built, err := r.openRebuild(ctx)
	if err != nil {
		return res, err
	}
	vo := VerifyOptions{Progress: o.Progress}
	if built != nil {
		res.AdoptedCount, res.Problems = built.count, built.problems
		res.RemovedTemp = built.removedTemps
		vo.allJustRead = true // the index holds only what was just adopted
		err = s.tidy(&res)
	} else {
		vo.justRead, err = r.rebuild(ctx)
	}
	if err != nil {
		return res, err
	}
	// The adoption's batches and buffers are garbage now: hand their
	// memory back before the verify, whose index check adds its own.
	debug.FreeOSMemory()
	v, err := s.Verify(ctx, vo)
	res.Checked = v.Checked
	res.Problems = mergeProblems(res.Problems, v.Problems)
	s.folders.record = err == nil // it has read every folder: record them all
	return res, errors.Join(err, s.closeAll())
}

// reindexer is one run of Reindex.
type reindexer struct {
	s   *Store
	o   ReindexOptions
	res *ReindexResult
}

// adopted passes on a backup adopted.
func (r *reindexer) adopted(b Backup) error {
	if r.o.Adopted != nil {
		return r.o.Adopted(b)
	}
	r.res.Adopted = append(r.res.Adopted, b)
	return nil
}

// dropped passes on an entry dropped.
func (r *reindexer) dropped(b Backup) error {
	r.res.DroppedCount++
	if r.o.Dropped != nil {
		return r.o.Dropped(b)
	}
	r.res.Dropped = append(r.res.Dropped, b)
	return nil
}

// openRebuild takes the exclusive lock and opens the index. A missing
// index is built from the files, and so is a new one for a damaged index,
// which is moved aside only once the new one is complete (see
// buildIndex); built is then what that adopted, nil for a sound index.
func (r *reindexer) openRebuild(ctx context.Context) (built *adopted, err error) {
	s, res := r.s, r.res
	if err := s.resolveRoot(); err != nil {
		return nil, err
	}
	if missing, err := s.rootState(); err != nil {
		return nil, err
	} else if missing {
		return nil, fmt.Errorf("backup root %s: %w", s.root, ErrConfigMissing)
	}
	tightened, err := s.ensureRoot()
	if err != nil {
		return nil, err
	}
	if tightened {
		res.Tightened = append(res.Tightened, s.root)
	}
	if s.lock, err = index.AcquireLockContext(ctx, filepath.Join(s.root, LockFile), true, s.opts.LockTimeout); err != nil {
		return nil, err
	}
	if _, err := s.fs.Lstat(s.indexPath()); errors.Is(err, fs.ErrNotExist) {
		a, err := s.buildIndex(ctx, nil, r.adopted)
		return &a, err
	}
	db, err := s.openSound()
	if IsIntegrity(err) {
		moveAside := func() (err error) {
			res.MovedIndex, err = s.moveIndexAside()
			return err
		}
		a, err := s.buildIndex(ctx, moveAside, r.adopted)
		if err == nil {
			s.log.Warn("the index was damaged: moved it aside and built a new one", "moved_to", res.MovedIndex)
		}
		return &a, err
	}
	if err != nil {
		return nil, err
	}
	s.db = db
	_, err = migrations.Up(db)
	return nil, err
}

// openSound opens the index for writing and checks its structure; an index
// from a newer schema is refused before anything judges its layout.
func (s *Store) openSound() (*index.DB, error) {
	db, err := index.Open(s.indexPath(), index.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return nil, err
	}
	if _, err = migrations.Pending(db); err == nil {
		err = db.Check()
	}
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

// moveIndexAside renames the index to index.db.corrupt-<timestamp>, never
// over an existing file, and returns the new path.
func (s *Store) moveIndexAside() (string, error) {
	t := s.now()
	for range maxNameTries {
		to := filepath.Join(s.root, CorruptIndexPrefix+blob.FormatTimestamp(t.In(s.loc)))
		err := s.fs.RenameNoReplace(s.indexPath(), to)
		if errors.Is(err, fs.ErrExist) {
			t = t.Add(time.Microsecond)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("move damaged index %s aside: %w", s.indexPath(), err)
		}
		return to, s.fs.SyncDir(s.root)
	}
	return "", fmt.Errorf("move damaged index %s aside: no free name", s.indexPath())
}

// rebuild brings a sound index and the files in line, and returns the
// facts of the files it adopted (read under the lock).
func (r *reindexer) rebuild(ctx context.Context) (map[string]fileFacts, error) {
	s, res := r.s, r.res
	sc, err := s.scanFolders()
	if err != nil {
		return nil, err
	}
	if err := s.removeTemps(sc, res); err != nil {
		return nil, err
	}
	backups, err := s.indexed(ctx, "")
	if err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(backups))
	for _, b := range backups {
		known[b.Path] = true
	}
	files := slices.DeleteFunc(sc.backups, func(f found) bool { return known[f.path] })
	if res.Finished, files, err = s.finishCompacts(ctx, backups, files); err != nil {
		return nil, err
	}
	if files, err = s.finishDeltas(backups, files, res); err != nil {
		return nil, err
	}
	for _, b := range backups {
		if err := r.reconcile(b); err != nil {
			return nil, err
		}
	}
	files, dups, err := s.pairUp(files)
	if err != nil {
		return nil, err
	}
	files, deltaDups, err := s.pairDeltas(files)
	if err != nil {
		return nil, err
	}
	dups = append(dups, deltaDups...)
	a, err := s.adopt(ctx, sliceBatches(files), adoptOptions{each: r.adopted, facts: true})
	res.AdoptedCount, res.Problems = a.count, a.problems
	if err == nil {
		// The index names their .zst now (each adoption batch is a commit).
		err = s.removeDuplicates(dups)
	}
	if err != nil {
		return nil, err
	}
	return a.facts, s.tighten(s.indexPath(), FileMode, res)
}

// tidy is what reindex does besides adoption after it built the index
// from the files: temp files removed, folders and the index tightened.
func (s *Store) tidy(res *ReindexResult) error {
	sc := folderScan{noBackups: true}
	if err := s.scanInto(&sc, func(string, string) bool { return true }); err != nil {
		return err
	}
	if err := s.removeTemps(sc, res); err != nil {
		return err
	}
	return s.tighten(s.indexPath(), FileMode, res)
}

// reconcile drops b's entry when its file is gone, and tightens its mode.
// A file that is there but damaged keeps its entry (see Reindex).
func (r *reindexer) reconcile(b Backup) error {
	s, res := r.s, r.res
	fi, err := s.fs.Lstat(b.Path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := s.db.Delete(b.Host, b.Created); err != nil {
			return fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
		return r.dropped(b)
	}
	if err != nil || !fi.Mode().IsRegular() {
		return err
	}
	changed, err := s.tightenInfo(b.Path, fi, FileMode)
	return tightened(b.Path, changed, err, res)
}

func (s *Store) tighten(p string, want fs.FileMode, res *ReindexResult) error {
	changed, err := s.tightenMode(p, want)
	return tightened(p, changed, err, res)
}

// tightened records in res that p's mode was fixed; a file gone meanwhile
// is no error.
func tightened(p string, changed bool, err error, res *ReindexResult) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if changed {
		res.Tightened = append(res.Tightened, p)
	}
	return err
}

// removeTemps deletes the temp files in the root and the host folders
// (the lock is held: they are crash leftovers) and tightens the host
// folders.
func (s *Store) removeTemps(sc folderScan, res *ReindexResult) error {
	for _, dir := range sc.dirs {
		if err := s.tighten(dir, DirMode, res); err != nil {
			return err
		}
	}
	entries, err := readDirUnsorted(s.root)
	if err != nil {
		return err
	}
	temps := slices.Clone(sc.temps)
	for _, e := range entries {
		if tempname.Is(e.Name()) && e.Type().IsRegular() {
			temps = append(temps, filepath.Join(s.root, e.Name()))
		}
	}
	slices.Sort(temps)
	touched := map[string]bool{}
	for _, p := range temps {
		if err := s.fs.Remove(p); err != nil {
			return fmt.Errorf("remove leftover temp file: %w", err)
		}
		res.RemovedTemp = append(res.RemovedTemp, p)
		touched[filepath.Dir(p)] = true
	}
	for dir := range touched {
		if err := s.fs.SyncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

// mergeProblems adds the verify findings to the adoption failures, once
// per path.
func mergeProblems(adopt, verify []Problem) []Problem {
	seen := map[string]bool{}
	for _, p := range adopt {
		seen[p.Path] = true
	}
	out := adopt
	for _, p := range verify {
		if !seen[p.Path] {
			out = append(out, p)
		}
	}
	sortProblems(out)
	return out
}
