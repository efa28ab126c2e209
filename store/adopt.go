package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// folderScan is one read of the host folders.
type folderScan struct {
	dirs    []string // the host folders there are
	backups []found  // files named as backups of their folder's host, oldest name first
	temps   []string // regular files named as temp files of the write protocol
}

// scanFolders reads each host folder once. Anything that is neither a
// backup nor a temp file by name is left where it is.
func (s *Store) scanFolders() (folderScan, error) {
	var sc folderScan
	for _, h := range hostTable {
		dir := filepath.Join(s.root, h.Name)
		fi, err := s.fs.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			continue
		}
		if err != nil {
			return sc, err
		}
		sc.dirs = append(sc.dirs, dir)
		entries, err := readDirUnsorted(dir)
		if err != nil {
			return sc, err
		}
		for _, e := range entries {
			sc.add(h.Name, dir, e)
		}
	}
	// By name within a timestamp too: files that share one (Python Hatch's
	// prefixes) get the same instants on every rebuild.
	slices.SortFunc(sc.backups, func(a, b found) int {
		return cmp.Or(strings.Compare(a.name.Timestamp, b.name.Timestamp), strings.Compare(a.path, b.path))
	})
	return sc, nil
}

func (sc *folderScan) add(host, dir string, e fs.DirEntry) {
	if !e.Type().IsRegular() {
		return
	}
	if hatomic.IsTemp(e.Name()) {
		sc.temps = append(sc.temps, filepath.Join(dir, e.Name()))
		return
	}
	if n, err := blob.ParseName(e.Name()); err == nil && n.Host == host {
		sc.backups = append(sc.backups, found{host: host, name: n, path: filepath.Join(dir, e.Name())})
	}
}

// readDirUnsorted lists dir in the order the file system keeps it:
// os.ReadDir's sort by name costs more than the read itself in a folder
// of 100,000 backups, and every caller sorts or does not care.
func readDirUnsorted(dir string) ([]fs.DirEntry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	return entries, nil
}

func (s *Store) hasBackupFiles() bool {
	sc, err := s.scanFolders()
	return err == nil && len(sc.backups) > 0
}

// adoptBatch is how many backup files are read before their records go
// into the index in one transaction (one commit, instead of one per file),
// and so bounds what an adoption holds in memory besides its result.
const adoptBatch = 4096

// adopted is what an adoption did.
type adopted struct {
	backups  []Backup
	problems []Problem
	// facts of each adopted file, read under the lock (verify after a
	// reindex need not look at them again).
	facts map[string]fileFacts
}

// adopt indexes the backup files of files (oldest name first) that the
// index does not know: a store written by Python Hatch, or one whose
// index was lost. Names and bytes never change; files are tightened to
// 0600 and folders to 0700. The original config path of an adopted backup
// is unknown. A file that cannot be decoded is not adopted: it is a
// Problem.
func (s *Store) adopt(ctx context.Context, files []found) (adopted, error) {
	a := &adoption{s: s, used: map[instant]bool{}, res: adopted{facts: map[string]fileFacts{}}}
	if err := s.tightenDirs(files); err != nil {
		return a.res, err
	}
	if n, err := s.db.Count(); err == nil && n == 0 {
		a.fresh = true
	}
	for start := 0; start < len(files); start += adoptBatch {
		if err := a.batch(ctx, files[start:min(start+adoptBatch, len(files))]); err != nil {
			return a.res, err
		}
	}
	return a.res, nil
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

// adoption reads backup files a batch at a time and indexes them.
type adoption struct {
	s       *Store
	res     adopted
	pending []index.Record
	used    map[instant]bool // of every record indexed or pending
	fresh   bool             // the index was empty: only our records can collide
	read    []adoptRead      // the current batch's, reused
	bufs    sync.Pool        // of *[]byte: one read buffer per busy worker
}

// adoptRead is one file's outcome.
type adoptRead struct {
	rec   index.Record
	facts fileFacts
	err   error
}

// batch reads files on every core, then indexes them in name order.
func (a *adoption) batch(ctx context.Context, files []found) error {
	a.read = slices.Grow(a.read[:0], len(files))[:len(files)]
	err := forEach(ctx, len(files), func(i int) error {
		r := &a.read[i]
		r.rec, r.facts, r.err = a.record(files[i])
		if errors.Is(r.err, ErrIntegrity) {
			return nil // reported below; the others are still adopted
		}
		return r.err
	})
	if err != nil {
		return err
	}
	for i, f := range files {
		r := &a.read[i]
		if r.err != nil {
			a.s.log.Warn("not adopted: backup file is damaged", "path", f.path)
			a.res.problems = append(a.res.problems, Problem{Kind: ProblemUndecodable, Host: f.host, Timestamp: f.name.Timestamp, Path: f.path, Detail: "not adopted: " + r.err.Error()})
			continue
		}
		if err := a.add(r.rec); err != nil {
			return err
		}
		a.res.facts[f.path] = r.facts
	}
	return a.flush()
}

// record reads a backup file with a pooled buffer and returns its index
// record. It may run beside other record calls.
func (a *adoption) record(f found) (index.Record, fileFacts, error) {
	buf, _ := a.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer a.bufs.Put(buf)
	stored, facts, err := a.s.readOwned(f.path, MaxConfigSize*2, *buf)
	if err != nil {
		return index.Record{}, facts, err
	}
	*buf = stored
	rec, err := a.s.adoptRecord(f, stored)
	return rec, facts, err
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
		a.res.backups = append(a.res.backups, a.s.backupOf(r))
	}
	a.pending = a.pending[:0]
	return nil
}

// adoptRecord is the index record of backup file f, whose bytes are
// stored.
func (s *Store) adoptRecord(f found, stored []byte) (index.Record, error) {
	data := stored
	comp := index.None
	if f.name.Compressed {
		comp = index.Zstd
		var err error
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
