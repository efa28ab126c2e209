package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// found is a backup file in a host folder, not yet read. It is kept
// small: a folder scan sorts 100,000 of them (in memory for a sound
// index's reindex; through sorted runs in a temp file, as found.key, for
// a build, see sortedScan).
type found struct {
	host, timestamp string
	path            string // the folder's path and the file's name
	compressed      bool
	delta           bool // a .delta file
}

// compareFound orders backup files by timestamp, then by path: files that
// share a timestamp (Python Hatch's prefixes) get the same instants on
// every rebuild.
func compareFound(a, b found) int {
	if c := strings.Compare(a.timestamp, b.timestamp); c != 0 {
		return c // not cmp.Or, which would compare the paths every time
	}
	return strings.Compare(a.path, b.path)
}

// folderScan is one read of the host folders.
type folderScan struct {
	dirs    []string // the host folders there are
	backups []found  // files named as backups of their folder's host, oldest name first
	temps   []string // regular files named as temp files of the write protocol
	// sorted, when set, takes the backups instead of backups: what
	// sortedScan returns, in memory that does not grow with them.
	sorted *spillSorter
	// noBackups: the scan keeps no backups at all (tidy wants the rest),
	// only their count.
	noBackups bool
	count     int
}

// scanFolders reads each host folder once. Anything that is neither a
// backup nor a temp file by name is left where it is.
func (s *Store) scanFolders() (folderScan, error) {
	var sc folderScan
	if err := s.scanInto(&sc, func(string, string) bool { return true }); err != nil {
		return sc, err
	}
	slices.SortFunc(sc.backups, compareFound)
	return sc, nil
}

// sortedScan is scanFolders with the backups in sc.sorted (read them with
// eachRun, then Close it): a store of 1,000,000 backup files is never
// held as a list of them.
func (s *Store) sortedScan() (sc folderScan, err error) {
	sc.sorted = &spillSorter{}
	err = s.scanInto(&sc, func(string, string) bool { return true })
	if err != nil {
		err = errors.Join(err, sc.sorted.Close())
	}
	return sc, err
}

// scanInto reads each host folder into sc until more returns false.
func (s *Store) scanInto(sc *folderScan, more func(host, dir string) bool) error {
	for _, h := range hostTable {
		dir := filepath.Join(s.root, h.Name)
		fi, err := s.fs.Lstat(dir)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			continue
		}
		if err != nil {
			return err
		}
		sc.dirs = append(sc.dirs, dir)
		var addErr error
		err = eachEntry(dir, func(e fs.DirEntry) {
			if addErr == nil {
				addErr = sc.add(h.Name, dir, e)
			}
		})
		if err = cmp.Or(err, addErr); err != nil {
			return err
		}
		if !more(h.Name, dir) {
			return nil
		}
	}
	return nil
}

func (sc *folderScan) add(host, dir string, e fs.DirEntry) error {
	if !e.Type().IsRegular() {
		return nil
	}
	// The name is one clean element: no need for filepath.Join's Clean.
	name := e.Name()
	if tempname.Is(name) {
		sc.temps = append(sc.temps, dir+string(filepath.Separator)+name)
		return nil
	}
	if n, err := blob.ParseName(name); err == nil && n.Host == host {
		if sc.noBackups {
			sc.count++
			return nil
		}
		f := newFound(host, dir+string(filepath.Separator)+name, n.Compressed, n.Delta)
		if sc.sorted != nil {
			return sc.sorted.Add(f.key())
		}
		sc.backups = append(sc.backups, f)
	}
	return nil
}

// newFound is the found of backup file p of host.
func newFound(host, p string, compressed, delta bool) found {
	// The timestamp ends the name, before ".zst". Taken from p, it does
	// not keep the directory entry's copy of the name alive.
	end := len(p)
	if compressed {
		end -= len(blob.ZstdSuffix)
	}
	if delta {
		end -= len(blob.DeltaSuffix)
	}
	return found{host: host, timestamp: p[end-blob.TimestampLen : end], path: p, compressed: compressed, delta: delta}
}

// Flags of a found in its key.
const (
	keyCompressed = 1 << iota
	keyDelta
)

// key encodes f so that keys sort as compareFound orders: the timestamp
// (of fixed length), the path, a NUL (no path holds one: a path that is
// a prefix of another still sorts first), then the flags and the host.
func (f found) key() string {
	flags := byte(0)
	if f.compressed {
		flags |= keyCompressed
	}
	if f.delta {
		flags |= keyDelta
	}
	return f.timestamp + f.path + "\x00" + string(rune(flags)) + f.host
}

// foundOfKey decodes a key made by found.key.
func foundOfKey(k string) (found, error) {
	rest := k[min(len(k), blob.TimestampLen):]
	i := strings.IndexByte(rest, 0)
	if len(k) < blob.TimestampLen || i < 0 || i+2 > len(rest) {
		return found{}, fmt.Errorf("sort file names: a damaged record")
	}
	flags := rest[i+1]
	return newFound(rest[i+2:], rest[:i], flags&keyCompressed != 0, flags&keyDelta != 0), nil
}

// eachRun calls fn with each run of the sorted backups that share a
// timestamp (see eachTimestamp), in compareFound order.
func (sc *folderScan) eachRun(fn func(run []found) error) error {
	var run []found
	for k, err := range sc.sorted.All() {
		if err != nil {
			return err
		}
		f, err := foundOfKey(k)
		if err != nil {
			return err
		}
		if len(run) > 0 && run[0].timestamp != f.timestamp {
			if err := fn(run); err != nil {
				return err
			}
			run = run[:0]
		}
		run = append(run, f)
	}
	if len(run) > 0 {
		return fn(run)
	}
	return nil
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

// dirChunk is how many entries eachEntry reads at a time.
const dirChunk = 1024

// eachEntry calls fn for each entry of dir, in the order the file system
// keeps them, reading a chunk at a time: a folder of 1,000,000 backups is
// never held as a whole listing (scanFolders keeps only its compact
// found of each backup).
func eachEntry(dir string, fn func(fs.DirEntry)) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("backup folder %s: %w", dir, err)
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(dirChunk)
		for _, e := range entries {
			fn(e)
		}
		if errors.Is(err, io.EOF) || (err == nil && len(entries) == 0) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("backup folder %s: %w", dir, err)
		}
	}
}

// hasBackupFiles reports whether a host folder holds a backup file; it
// stops at the first folder that does.
func (s *Store) hasBackupFiles() bool {
	sc := folderScan{noBackups: true}
	err := s.scanInto(&sc, func(string, string) bool { return sc.count == 0 })
	return err == nil && sc.count > 0
}

// adoptBatch is how many backup files are read before their records go
// into the index in one transaction (one commit, instead of one per file),
// and so bounds what an adoption holds in memory besides its result. A
// variable only so that tests can cross batch boundaries with a few files.
var adoptBatch = 2048

// adopted is what an adoption did.
type adopted struct {
	count    int // backups adopted
	problems []Problem
	// facts of each adopted file, read under the lock (verify after a
	// reindex need not look at them again); nil unless asked for.
	facts map[string]fileFacts
	// removedTemps are the index temp files an index build removed first.
	removedTemps []string
}

// adoptOptions say what an adoption passes on besides its count.
type adoptOptions struct {
	// each, when set, is called with every backup adopted, once its
	// batch is committed.
	each func(Backup) error
	// facts keeps each adopted file's facts (adopted.facts): a reindex of
	// a sound index hands them to its verify. An index built from the
	// files does without: every backup it holds was just read.
	facts bool
}

// adopt indexes the backup files that files hands it (oldest name first) that the
// index does not know: a store written by Python Hatch, or one whose
// index was lost. Names and bytes never change; files are tightened to
// 0600 and folders to 0700. The original config path of an adopted backup
// is unknown. A file that cannot be decoded is not adopted: it is a
// Problem.
//
// Files are read a batch at a time on every core, and each batch is
// indexed while the next one is read.
//
// What it holds does not grow with the number of files (a batch, and its
// result's problems; with o.facts, the facts of each file): each adopted
// backup goes to o.each, and the instants taken are looked up in the
// index itself.
func (s *Store) adopt(ctx context.Context, files batchSource, o adoptOptions) (adopted, error) {
	a := &adoption{s: s, o: o, used: map[instant]bool{}}
	if o.facts {
		a.res.facts = map[string]fileFacts{}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan readBatch)
	go a.readBatches(ctx, files, batches)
	var err error
	for b := range batches { // to the end, so that the reader is done too
		if err == nil {
			if err = b.err; err == nil {
				err = a.index(b)
			}
			if err != nil {
				cancel()
			}
		}
	}
	return a.res, cmp.Or(err, ctx.Err())
}

// batchSource hands the files to adopt to emit, oldest name first, a
// batch (of about adoptBatch files) at a time, and stops at the first
// error emit returns. Each batch is a slice of its own.
type batchSource func(emit func([]found) error) error

// sliceBatches is the batchSource of files, oldest name first.
func sliceBatches(files []found) batchSource {
	return func(emit func([]found) error) error {
		for start := 0; start < len(files); start += adoptBatch {
			if err := emit(files[start:min(start+adoptBatch, len(files))]); err != nil {
				return err
			}
		}
		return nil
	}
}

// pairedBatches is the batchSource of the backup files of a sorted scan,
// a timestamp at a time, without the plain files that are copies of
// their .zst or .delta (pairUp, pairDeltas): those are added to dups.
// The forms of one backup share a timestamp, so a run of one timestamp
// holds them all whatever order the folders listed them in.
func (s *Store) pairedBatches(sc *folderScan, dups *[]string) batchSource {
	return func(emit func([]found) error) error {
		var batch []found
		err := sc.eachRun(func(run []found) error {
			keep, d, err := s.pairUp(run)
			if err != nil {
				return err
			}
			*dups = append(*dups, d...)
			keep, d, err = s.pairDeltas(keep)
			if err != nil {
				return err
			}
			// nil: a whole form could not be read; the run is left
			// unadopted (verify reports its files), as pairDeltas says.
			*dups = append(*dups, d...)
			batch = append(batch, keep...)
			if len(batch) < adoptBatch {
				return nil
			}
			err, batch = emit(batch), nil
			return err
		})
		if err == nil && len(batch) > 0 {
			err = emit(batch)
		}
		return err
	}
}

// tightenDirs makes each host folder of files 0700, once: seen holds the
// folders done.
func (s *Store) tightenDirs(files []found, seen map[string]bool) error {
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
	o       adoptOptions
	res     adopted
	pending []index.Record
	paths   []string         // of the pending records' files
	used    map[instant]bool // of the pending records (the index knows the rest)
	bufs    sync.Pool        // of *[]byte: one read buffer per busy worker
}

// readBatch is a batch of files, read.
type readBatch struct {
	files []found
	reads []adoptRead
	err   error // a failure that stops the adoption
}

// adoptRead is one file's outcome.
type adoptRead struct {
	rec   index.Record
	facts fileFacts
	err   error // the file is damaged (ErrIntegrity): it is not adopted
}

// readBatches reads files a batch at a time, each host folder made 0700
// first, and sends each batch to out, in order; it stops after a failure
// or when ctx is done, and closes out.
func (a *adoption) readBatches(ctx context.Context, files batchSource, out chan<- readBatch) {
	defer close(out)
	seen := map[string]bool{}
	sent := false // a failure went out in a batch
	err := files(func(batch []found) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := readBatch{files: batch}
		if b.err = a.s.tightenDirs(batch, seen); b.err == nil {
			b.reads, b.err = a.readFiles(ctx, b.files)
		}
		out <- b
		sent = b.err != nil
		return b.err
	})
	if err != nil && !sent && ctx.Err() == nil {
		out <- readBatch{err: err}
	}
}

// readFiles reads files on every core.
func (a *adoption) readFiles(ctx context.Context, files []found) ([]adoptRead, error) {
	reads := make([]adoptRead, len(files))
	err := forEach(ctx, len(files), func(i int) error {
		r := &reads[i]
		r.rec, r.facts, r.err = a.record(files[i])
		if errors.Is(r.err, ErrIntegrity) {
			return nil // reported when indexed; the others are still adopted
		}
		return r.err
	})
	return reads, err
}

// index indexes a batch in name order, in one transaction.
func (a *adoption) index(b readBatch) error {
	for i, f := range b.files {
		r := &b.reads[i]
		if r.err != nil {
			a.s.log.Warn("not adopted: backup file is damaged", "path", f.path)
			a.res.problems = append(a.res.problems, Problem{Kind: ProblemUndecodable, Host: f.host, Timestamp: f.timestamp, Path: f.path, Detail: "not adopted: " + r.err.Error()})
			continue
		}
		if err := a.add(r.rec); err != nil {
			return err
		}
		a.paths = append(a.paths, f.path)
		if a.res.facts != nil {
			a.res.facts[f.path] = r.facts
		}
	}
	return a.flush()
}

// adoptWhole is the largest backup file adoption reads whole, into a
// pooled buffer; a larger one (but a .delta, decoded against its base) is
// streamed through sha256 and, when compressed, a streaming zstd decoder,
// so that adopting it takes memory that does not grow with its size. A
// variable only so that tests can stream small files.
var adoptWhole int64 = 4 << 20

// record reads a backup file with a pooled buffer and returns its index
// record. It may run beside other record calls.
func (a *adoption) record(f found) (index.Record, fileFacts, error) {
	buf, _ := a.bufs.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer a.bufs.Put(buf)
	file, facts, size, err := a.s.openOwned(f.path)
	if err != nil {
		return index.Record{}, facts, err
	}
	defer file.Close()
	if size > adoptWhole && !f.delta {
		rec, err := a.s.adoptStream(f, file, facts.mtime, *buf)
		return rec, facts, err
	}
	stored, err := readToEnd(f.path, file.Read, size, blob.MaxDecodedSize, *buf)
	if err != nil {
		return index.Record{}, facts, err
	}
	*buf = stored
	rec, err := a.s.adoptRecord(f, stored, facts.mtime)
	if errors.Is(err, blob.ErrTooLarge) && f.compressed {
		// A small .zst of a large config: decoded as it is hashed.
		rec, err = a.s.adoptStream(f, bytes.NewReader(stored), facts.mtime, nil)
	}
	return rec, facts, err
}

// openOwned opens a backup file that the store is about to adopt, as
// readOwned does (a regular file only, never through a symlink, its mode
// made FileMode through the open file) without reading it, and returns its
// size. facts are the file's, after the chmod.
func (s *Store) openOwned(p string) (f hatomic.File, facts fileFacts, size int64, err error) {
	const noLimit = math.MaxInt64
	if ownedLstat {
		fi, err := s.fs.Lstat(p)
		if err != nil {
			return nil, facts, 0, ownedOpenError(p, err)
		}
		if err := ownedShape(p, fi.Mode(), fi.Size(), noLimit); err != nil {
			return nil, facts, 0, err
		}
	}
	f, err = s.fs.OpenFile(p, ownedOpen, 0)
	switch {
	case isSymlinkRefusal(err):
		return nil, facts, 0, ownedShape(p, fs.ModeSymlink, 0, noLimit)
	case err != nil:
		return nil, facts, 0, ownedOpenError(p, err)
	}
	fi, err := f.Stat()
	if err == nil {
		facts = factsOf(fi)
		err = ownedShape(p, fi.Mode(), fi.Size(), noLimit)
	}
	if perm := facts.mode.Perm(); err == nil && modeMatters && perm&^FileMode != 0 {
		// Only ever remove bits: a 0400 backup stays 0400.
		if err = f.Chmod(perm & FileMode); err == nil {
			facts.mode = facts.mode&^fs.ModePerm | perm&FileMode
		}
	}
	if err != nil {
		return nil, facts, 0, errors.Join(err, f.Close())
	}
	return f, facts, fi.Size(), nil
}

// adoptStream is adoptRecord of a large plain or .zst backup file, read
// from r a buffer at a time (buf, or 64 KiB). Its config is not held
// whole, so it is not parsed: its parse status is unknown.
func (s *Store) adoptStream(f found, r io.Reader, mtime int64, buf []byte) (index.Record, error) {
	if cap(buf) < 64<<10 {
		buf = make([]byte, 64<<10)
	}
	buf = buf[:cap(buf)]
	stored := &countReader{r: r}
	var data io.Reader = stored
	comp := index.None
	if f.compressed {
		comp = index.Zstd
		// Streamed, a .zst of any size is no bomb: memory is the frame's
		// window, which the decoder bounds (blob.MaxStreamWindow), as
		// for the .zst of a huge config that create --compress writes.
		dec, err := blob.NewStreamDecoder(stored)
		if err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
		}
		defer dec.Close()
		data = dec
	}
	h := sha256.New()
	n, err := io.CopyBuffer(h, data, buf)
	switch {
	case errors.Is(err, blob.ErrCorrupt), errors.Is(err, blob.ErrTooLarge):
		return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
	case err != nil:
		return index.Record{}, fmt.Errorf("read %s: %w", f.path, err)
	}
	created, err := s.instantOf(f.timestamp, mtime)
	if err != nil {
		return index.Record{}, err
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return index.Record{
		Host: f.host, Timestamp: f.timestamp, Created: created,
		File:       f.host + "/" + filepath.Base(f.path),
		StoredSize: stored.n, OriginalSize: n,
		SHA256: sum, Compression: comp, Parse: index.ParseUnknown,
	}, nil
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
		if !a.used[key] && !a.s.instantIndexed(rec.Host, rec.Created) {
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
	a.s.db.ReleasePages()
	a.res.count += len(a.pending)
	pending, paths := a.pending, a.paths
	a.pending, a.paths = a.pending[:0], a.paths[:0]
	clear(a.used) // the index holds them now
	if a.o.each != nil {
		for i, r := range pending {
			if err := a.o.each(backupAt(r, paths[i])); err != nil {
				return err
			}
		}
	}
	return nil
}

// adoptRecord is the index record of backup file f, whose bytes are
// stored and whose modification time is mtime (Unix nanoseconds).
func (s *Store) adoptRecord(f found, stored []byte, mtime int64) (index.Record, error) {
	data := stored
	comp, base := index.None, ""
	if f.delta {
		// The base is named in the file itself: reindex rebuilds the
		// relation from it, decoding through the base's own file.
		h, frame, err := blob.ParseDelta(stored)
		if err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
		}
		baseData, err := s.decodeFile(f.host, filepath.Dir(f.path), h.Base, f.timestamp, 0)
		if err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: its base %s: %w", f.path, ErrIntegrity, h.Base, err)
		}
		if data, err = blob.DecodeDelta(frame, baseData, blob.MaxDecodedSize); err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
		}
		comp, base = index.Delta, h.Base
	} else if f.compressed {
		comp = index.Zstd
		var err error
		if data, err = blob.Decompress(stored, adoptWhole); errors.Is(err, blob.ErrTooLarge) {
			return index.Record{}, err // adoptStream's
		}
		if err != nil {
			return index.Record{}, fmt.Errorf("backup %s: %w: %w", f.path, ErrIntegrity, err)
		}
	}
	created, err := s.instantOf(f.timestamp, mtime)
	if err != nil {
		return index.Record{}, err
	}
	return index.Record{
		Host: f.host, Timestamp: f.timestamp, Created: created,
		File:       f.host + "/" + filepath.Base(f.path),
		StoredSize: int64(len(stored)), OriginalSize: int64(len(data)),
		SHA256: blob.Sum(data), Compression: comp, Base: base,
		Parse: parseStatus(f.host, data),
	}, nil
}

// Reading a name's zone from its file's modification time.
const (
	// zoneStep: every UTC offset in use is a whole number of quarter hours.
	zoneStep = 15 * time.Minute
	// minOffset and maxOffset bound the offsets there are (UTC-12 to UTC+14).
	minOffset = -12 * time.Hour
	maxOffset = 14 * time.Hour
	// mtimeSlack is how far a file's mtime may stray from the instant its
	// name was written at: Python Hatch dates its files a little after
	// naming them, and FAT keeps mtimes to 2 s.
	mtimeSlack = 5 * time.Second
)

// instantOf is the instant (UTC) of a backup named with timestamp ts, a
// wall clock with no zone, whose file was last modified at mtime (Unix
// nanoseconds; 0 when unknown). hatch-backup dates every file it writes
// with the backup's instant, so when the wall clock read as UTC is a real
// offset (a whole number of quarter hours, UTC-12 to UTC+14) away from
// the mtime, give or take mtimeSlack, the name was written in that offset:
// the instant is the wall clock minus it, the name's microseconds kept.
// That survives a change of time zone (or of daylight saving time) between
// the backup and the rebuild. Otherwise (a file copied without its dates,
// touched, or from a clock far off) the name is read in the store's zone.
func (s *Store) instantOf(ts string, mtime int64) (time.Time, error) {
	wall, err := blob.ParseTimestamp(ts, time.UTC)
	if err != nil {
		return time.Time{}, err
	}
	if mtime != 0 {
		d := wall.Sub(time.Unix(0, mtime))
		off := d.Round(zoneStep)
		if off >= minOffset && off <= maxOffset && (d-off).Abs() <= mtimeSlack {
			return wall.Add(-off), nil
		}
	}
	local, err := blob.ParseTimestamp(ts, s.loc)
	return local.UTC(), err
}

// tightenMode removes from p's permission bits those want lacks (never
// through a symlink) and reports whether it did. It never adds a bit: a
// 0400 file stays 0400, a 0500 folder 0500 (verify reports them).
func (s *Store) tightenMode(p string, want fs.FileMode) (bool, error) {
	fi, err := s.fs.Lstat(p)
	if err != nil {
		return false, err
	}
	return s.tightenInfo(p, fi, want)
}

// tightenInfo is tightenMode for a file whose Lstat the caller has.
func (s *Store) tightenInfo(p string, fi fs.FileInfo, want fs.FileMode) (bool, error) {
	perm := fi.Mode().Perm()
	if !modeMatters || perm&^want == 0 || fi.Mode()&fs.ModeSymlink != 0 {
		return false, nil
	}
	return true, s.fs.Chmod(p, perm&want)
}
