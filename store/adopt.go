package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"time"

	hatomic "hatch-backup/atomic"
	"hatch-backup/blob"
	"hatch-backup/index"
)

// found is a backup file in a host folder, not yet read.
type found struct {
	host string
	name blob.Name
	path string
}

// scanBackupFiles lists the files in the root's host folders that are
// backups by name (ours and the Python Hatch patterns), oldest name first.
// Anything else is left where it is.
func (s *Store) scanBackupFiles() ([]found, error) {
	var out []found
	for _, h := range hostTable {
		dir := filepath.Join(s.root, h.Name)
		fi, err := s.fs.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			continue
		}
		if err != nil {
			return nil, err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("backup folder %s: %w", dir, err)
		}
		for _, e := range entries {
			n, err := blob.ParseName(e.Name())
			if err != nil || n.Host != h.Name || !e.Type().IsRegular() {
				continue
			}
			out = append(out, found{host: h.Name, name: n, path: filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name.Timestamp < out[j].name.Timestamp })
	return out, nil
}

func (s *Store) hasBackupFiles() bool {
	files, err := s.scanBackupFiles()
	return err == nil && len(files) > 0
}

// adoptBatch is how many adopted records go into one index transaction
// (one fsync each, instead of one per file).
const adoptBatch = 512

// adopt indexes every backup file the index does not know (skip holds the
// paths it does): a store written by Python Hatch, or one whose index was
// lost. Names and bytes never change; files are tightened to 0600 and
// folders to 0700. The original config path of an adopted backup is
// unknown. A file that cannot be decoded is not adopted: it is a Problem.
func (s *Store) adopt(ctx context.Context, skip map[string]bool) (adopted []Backup, problems []Problem, err error) {
	files, err := s.scanBackupFiles()
	if err != nil {
		return nil, nil, err
	}
	files = slices.DeleteFunc(files, func(f found) bool { return skip[f.path] })
	if err := s.tightenDirs(files); err != nil {
		return nil, nil, err
	}
	// Read, hash and parse on every core; index in name order after.
	recs, errs := make([]index.Record, len(files)), make([]error, len(files))
	err = forEach(ctx, len(files), func(i int) error {
		recs[i], errs[i] = s.adoptRecord(files[i])
		if errors.Is(errs[i], ErrIntegrity) {
			return nil // reported below; the others are still adopted
		}
		return errs[i]
	})
	if err != nil {
		return nil, nil, err
	}
	batch := &adoption{s: s, used: map[instant]bool{}}
	if n, err := s.db.Count(); err == nil && n == 0 {
		batch.fresh = true
	}
	for i, f := range files {
		if errs[i] != nil {
			s.log.Warn("not adopted: backup file is damaged", "path", f.path)
			problems = append(problems, Problem{Kind: ProblemUndecodable, Host: f.host, Timestamp: f.name.Timestamp, Path: f.path, Detail: "not adopted: " + errs[i].Error()})
			continue
		}
		if err := batch.add(recs[i]); err != nil {
			return batch.done, problems, err
		}
	}
	return batch.done, problems, batch.flush()
}

// tightenDirs makes each host folder of files 0700, once.
func (s *Store) tightenDirs(files []found) error {
	seen := map[string]bool{}
	for _, f := range files {
		dir := filepath.Dir(f.path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
			return err
		}
	}
	return nil
}

// adoption gathers adopted records and writes them a batch at a time.
type adoption struct {
	s       *Store
	pending []index.Record
	used    map[instant]bool // of every pending record
	done    []Backup
	fresh   bool // the index was empty: only pending records can collide
}

// instant is an index key: a host and a time in Unix microseconds.
type instant struct {
	host   string
	micros int64
}

// add queues rec under the first free instant at or after its own: two
// Python Hatch files of one host may share a timestamp (different
// prefixes), and the index key is the instant.
func (a *adoption) add(rec index.Record) error {
	for range maxNameTries {
		key := instant{rec.Host, rec.Created.UnixMicro()}
		if !a.used[key] && (a.fresh || !a.s.instantIndexed(rec.Host, rec.Created)) {
			a.used[key] = true
			a.pending = append(a.pending, rec)
			if len(a.pending) >= adoptBatch {
				return a.flush()
			}
			return nil
		}
		rec.Created = rec.Created.Add(time.Microsecond)
	}
	return fmt.Errorf("adopt %s: no free instant in %d tries", rec.File, maxNameTries)
}

func (a *adoption) flush() error {
	if len(a.pending) == 0 {
		return nil
	}
	if err := a.s.db.PutMany(a.pending); err != nil {
		return fmt.Errorf("index %s: %w", a.s.indexPath(), err)
	}
	for _, r := range a.pending {
		a.done = append(a.done, a.s.backupOf(r))
	}
	a.pending = a.pending[:0]
	return nil
}

// adoptRecord reads a backup file and returns its index record. It may
// run beside other adoptRecord calls.
func (s *Store) adoptRecord(f found) (index.Record, error) {
	if err := s.tightenFile(f.path); err != nil {
		return index.Record{}, err
	}
	stored, err := s.readFile(f.path, MaxConfigSize*2)
	if err != nil {
		return index.Record{}, err
	}
	data := stored
	comp := index.None
	if f.name.Compressed {
		comp = index.Zstd
		if data, err = blob.Decompress(stored, MaxConfigSize); err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
		}
	}
	local, err := blob.ParseTimestamp(f.name.Timestamp, s.loc)
	if err != nil {
		return index.Record{}, err
	}
	return index.Record{
		Host: f.host, Timestamp: f.name.Timestamp, Created: local.UTC(),
		File:       path.Join(f.host, f.name.String()),
		StoredSize: int64(len(stored)), OriginalSize: int64(len(data)),
		SHA256: blob.Sum(data), Compression: comp,
		Parse: parseStatus(f.host, data),
	}, nil
}

// tightenFile makes a store file 0600 unless it already is, so that a
// re-run changes nothing.
func (s *Store) tightenFile(p string) error {
	_, err := s.tightenMode(p, FileMode)
	return err
}

// tightenMode chmods p to want when its permission bits differ (never
// through a symlink) and reports whether it did.
func (s *Store) tightenMode(p string, want fs.FileMode) (bool, error) {
	fi, err := s.fs.Lstat(p)
	if err != nil {
		return false, err
	}
	if !modeMatters || fi.Mode().Perm() == want || fi.Mode()&fs.ModeSymlink != 0 {
		return false, nil
	}
	return true, s.fs.Chmod(p, want)
}
