package store

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/hatch-backup/hatch-backup/index"
)

// A store shared with Python Hatch: Hatch (or a person) may add or remove
// backup files without touching the index. Each writer records, at Close,
// the state of every host folder (index.FolderState: one stat); every
// open compares it with one stat per host folder. A folder that changed
// since is stale: the open says so (a notice naming the folder and
// `hatch-backup reindex`), and its state is not recorded again until a
// reindex has read the folder, so every command keeps saying it.
//
// What a stat can tell: a folder's modification time moves when an entry
// is added, removed or renamed (Linux, macOS, Windows), not when a file's
// content changes in place (verify sees that), and two changes within the
// file system's time granularity after hatch-backup's own last write may
// look like none.

// folderTracking is what an open store knows of its host folders.
type folderTracking struct {
	record bool                         // Close records the folders' states (a writer)
	stale  map[string]bool              // hosts whose folder changed since recorded
	known  map[string]index.FolderState // the recorded states
	// generation of the index at open: a writer that wrote nothing
	// records nothing (a refused command leaves index.db as it was).
	generation uint64
	checked    bool // generation was read
}

// folderState is one stat of host's backup folder.
func (s *Store) folderState(host string) (index.FolderState, error) {
	fi, err := s.fs.Lstat(filepath.Join(s.root, host))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return index.FolderState{}, nil
	case err != nil:
		return index.FolderState{}, err
	}
	return index.FolderState{Exists: true, ModTime: fi.ModTime().UnixNano()}, nil
}

// checkFolders compares each host folder with its recorded state and
// says which changed. writer: Close records the states of the others.
func (s *Store) checkFolders(writer bool) {
	s.folders.record = writer
	if s.db == nil {
		return
	}
	known, err := s.db.FolderStates()
	if err != nil {
		return // a damaged index is verify's business, not this notice's
	}
	if s.folders.generation, err = s.db.Generation(); err == nil {
		s.folders.checked = true
	}
	s.folders.known, s.folders.stale = known, map[string]bool{}
	for _, h := range hostTable {
		rec, ok := known[h.Name]
		if !ok {
			continue
		}
		now, err := s.folderState(h.Name)
		if err != nil || now == rec {
			continue
		}
		s.folders.stale[h.Name] = true
		s.log.Warn(fmt.Sprintf("warning: backup folder %s changed since hatch-backup last wrote it (files added or removed by another program, such as Python Hatch); backups of %s may be missing from this answer: run hatch-backup reindex",
			filepath.Join(s.root, h.Name), h.Name))
	}
}

// StaleFolders lists the hosts whose backup folder changed since
// hatch-backup last wrote it (see checkFolders).
func (s *Store) StaleFolders() []string {
	var out []string
	for _, h := range hostTable {
		if s.folders.stale[h.Name] {
			out = append(out, h.Name)
		}
	}
	return out
}

// folderNote is the state of host's folder to record with a backup just
// written into it, in the same commit (nil when folders are not tracked,
// or the folder was already stale: it stays flagged until reindex). Close
// then finds that folder recorded and writes nothing more for it.
func (s *Store) folderNote(host string) map[string]index.FolderState {
	if !s.folders.record || s.folders.stale[host] {
		return nil
	}
	st, err := s.folderState(host)
	if err != nil {
		return nil
	}
	if s.folders.known == nil {
		s.folders.known = map[string]index.FolderState{}
	}
	s.folders.known[host] = st
	return map[string]index.FolderState{host: st}
}

// recordFolders records the state of every host folder that is not stale
// and differs from what is recorded: one stat per host, and a write only
// when something changed.
func (s *Store) recordFolders() error {
	if !s.folders.record || s.db == nil || s.readOnly {
		return nil
	}
	if s.folders.checked {
		if gen, err := s.db.Generation(); err != nil || gen == s.folders.generation {
			return nil
		}
	}
	if s.folders.known == nil { // reindex: nothing was checked at open
		known, err := s.db.FolderStates()
		if err != nil {
			return nil
		}
		s.folders.known = known
	}
	changed := map[string]index.FolderState{}
	for _, h := range hostTable {
		if s.folders.stale[h.Name] {
			continue
		}
		now, err := s.folderState(h.Name)
		if err != nil {
			continue
		}
		if rec, ok := s.folders.known[h.Name]; !ok || rec != now {
			changed[h.Name] = now
		}
	}
	return s.db.SetFolderStates(changed)
}
