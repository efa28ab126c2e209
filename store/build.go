package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
	"github.com/hatch-backup/hatch-backup/migrations"
)

// buildIndex makes the index of a store that has none, from its files:
// the first open of a store (ours after the index was lost, or Python
// Hatch's), or reindex of a damaged index. The caller holds the exclusive
// store lock.
//
// The whole index is built in a file under a temp name in the root
// (tempname.Name), fsynced and closed, and only then linked into place
// without replacing anything, the root fsynced, and opened. So index.db is
// either absent or complete: a kill at any moment leaves no index.db (the
// next command builds again) or the whole one, never an empty or partial
// index that would be served as the truth. beforeLink, when set, runs
// between the build and the link (reindex moves the damaged index aside
// there: a kill between the two leaves no index.db, the first-build case).
//
// The plain copies of backups that the new index holds compressed (what
// an interrupted compact leaves) are removed after the index is durable.
// each, when set, is called with every backup adopted (see adopt).
func (s *Store) buildIndex(ctx context.Context, beforeLink func() error, each func(Backup) error) (adopted, error) {
	temps, err := s.removeIndexTemps()
	if err != nil {
		return adopted{}, err
	}
	tmp := filepath.Join(s.root, tempname.Name(IndexFile))
	a, dups, err := s.fillIndex(ctx, tmp, each)
	a.removedTemps = temps
	if err == nil {
		err = s.syncFile(tmp)
	}
	if err == nil && beforeLink != nil {
		err = beforeLink()
	}
	if err == nil {
		err = s.linkIndex(tmp)
	}
	if err != nil {
		return a, errors.Join(err, s.removeQuiet(tmp))
	}
	db, err := index.Open(s.indexPath(), index.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return a, err
	}
	s.db = db
	return a, s.removeDuplicates(dups)
}

// fillIndex creates the index file tmp and adopts every backup file into
// it; the file is closed when it returns. dups are the plain files left
// out as copies of a .zst backup.
func (s *Store) fillIndex(ctx context.Context, tmp string, each func(Backup) error) (a adopted, dups []string, err error) {
	db, err := index.Create(tmp)
	if err != nil {
		return a, nil, err
	}
	s.db = db
	defer func() {
		err = errors.Join(err, db.Close())
		s.db = nil
	}()
	if _, err = migrations.Up(db); err != nil {
		return a, nil, err
	}
	sc, err := s.sortedScan()
	if err != nil {
		return a, nil, err
	}
	defer func() { err = errors.Join(err, sc.sorted.Close()) }()
	a, err = s.adopt(ctx, s.pairedBatches(&sc, &dups), adoptOptions{each: each})
	return a, dups, err
}

// linkIndex publishes the complete index tmp as index.db, never over an
// existing file, and fsyncs the root.
func (s *Store) linkIndex(tmp string) error {
	if err := s.fs.RenameNoReplace(tmp, s.indexPath()); err != nil {
		return fmt.Errorf("publish index %s: %w", s.indexPath(), err)
	}
	if err := s.fs.SyncDir(s.root); err != nil {
		return fmt.Errorf("backup root %s: sync after publishing the index: %w", s.root, err)
	}
	return nil
}

// removeIndexTemps removes the index temp files in the root: an earlier
// build or compact that was killed left them. The caller holds the
// exclusive store lock, so no other process is writing one.
func (s *Store) removeIndexTemps() ([]string, error) {
	entries, err := readDirUnsorted(s.root)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if isIndexTemp(e.Name()) && e.Type().IsRegular() {
			p := filepath.Join(s.root, e.Name())
			if err := s.fs.Remove(p); err != nil {
				return removed, fmt.Errorf("remove leftover index temp file: %w", err)
			}
			removed = append(removed, p)
		}
	}
	if len(removed) > 0 {
		return removed, s.fs.SyncDir(s.root)
	}
	return nil, nil
}

// isIndexTemp reports whether a name in the root is a temp file of the
// index (a build's or a compaction's).
func isIndexTemp(name string) bool {
	return tempname.Is(name) && strings.HasPrefix(name, "."+IndexFile+".")
}

// removeQuiet removes p, which may not exist.
func (s *Store) removeQuiet(p string) error {
	if err := s.removeAndSync(p); err != nil {
		return fmt.Errorf("remove %s: %w", p, err)
	}
	return nil
}
