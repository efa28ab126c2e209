package store

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// CorruptIndexPrefix starts the name of an index that reindex moved aside
// (<root>/index.db.corrupt-<timestamp>). Verify ignores those files.
const CorruptIndexPrefix = IndexFile + ".corrupt-"

// VerifyOptions select what Verify checks.
type VerifyOptions struct {
	// Host limits the check to one host's backups and folder; "" checks
	// the whole root.
	Host string
	// Progress, if set, is called after each backup read.
	Progress func(done, total int)

	// justRead holds backups whose bytes this same locked session has just
	// read and hashed (reindex's adoptions), with what their reading saw of
	// them: they count as checked, and their names, modes and owners are
	// checked, but they are not read or looked at a second time.
	justRead map[string]fileFacts
	// allJustRead: every indexed backup is one of those (reindex built
	// the index from the files), without a map of them all.
	allJustRead bool
}

// VerifyResult is what Verify found.
type VerifyResult struct {
	Checked  int       // indexed backups read and compared
	Problems []Problem // sorted by path; empty when the store is sound
	// Warnings are facts that are not damage and that no repair could
	// clear (today only WarningFuture), sorted by path. They do not make
	// a store unsound.
	Warnings []Problem
}

// WarningFuture: an indexed backup dated more than FutureSlack after the
// store's clock (Backup.Future). It is a warning, not a problem: the bytes
// are sound, and only the person who knows which clock was wrong can say
// whether to keep it (it is never the latest; clean never counts it).
const WarningFuture ProblemKind = "future-dated"

// Verify re-reads every indexed backup and checks it against its entry,
// checks the index's structure, and looks at every file in the root and
// the host folders. It changes nothing. A store opened with
// Options.Inspect also reports a missing, damaged or newer index here
// instead of failing to open. A store opened before its root existed
// has nothing to verify: ErrConfigMissing naming the root (a mistyped root
// must not pass as a sound store). A backup or host folder it may not read
// is a problem (ProblemUnreadable, beside ProblemMode), not an error.
func (s *Store) Verify(ctx context.Context, o VerifyOptions) (VerifyResult, error) {
	var res VerifyResult
	if o.Host != "" {
		if _, err := LookupHost(o.Host); err != nil {
			return res, err
		}
	}
	if s.lock == nil {
		return res, fmt.Errorf("backup root %s: %w", s.root, ErrConfigMissing)
	}
	v := &verifier{s: s, opts: o, denied: map[string][]string{}, closed: map[string]bool{}}
	defer v.close()
	if err := v.index(ctx); err != nil {
		return res, err
	}
	if err := v.files(); err != nil {
		return res, err
	}
	if err := v.backupFiles(); err != nil {
		return res, err
	}
	v.unreadable()
	sortProblems(v.problems)
	sortProblems(v.warnings)
	return VerifyResult{Checked: v.checked, Problems: v.problems, Warnings: v.warnings}, nil
}

type verifier struct {
	s    *Store
	opts VerifyOptions
	// indexed holds a record of each indexed backup (indexedRecord), and
	// names the path of each file in a host folder named as a backup of
	// its host: merged in path order, they say which files are indexed
	// without a map of every path.
	indexed, names spillSorter
	// usable: the index could be read, so files it lacks are unindexed.
	usable bool

	mu       sync.Mutex // guards what the backup checks, run in parallel, add
	checked  int
	done     int // checked, and those that could not be read
	problems []Problem
	warnings []Problem
	err      error // of adding to indexed
	// denied lists, by folder, the indexed backups that could not be
	// read for want of permission; closed holds the host folders that
	// could not be listed.
	denied map[string][]string
	closed map[string]bool
}

func (v *verifier) add(k ProblemKind, host, ts, path, detail string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.problems = append(v.problems, Problem{Kind: k, Host: host, Timestamp: ts, Path: path, Detail: detail})
}

// index checks the index file and every entry in it.
func (v *verifier) index(ctx context.Context) error {
	s := v.s
	if s.indexProblem != nil {
		v.problems = append(v.problems, *s.indexProblem)
		return nil
	}
	if s.db == nil {
		v.usable = true // no index at all: every backup file is unindexed
		return nil
	}
	check := s.db.Check
	if v.opts.allJustRead {
		// An index this reindex has just built: its records are decoded,
		// bbolt's own check of the pages it wrote a moment ago is left
		// out (it keeps up to the whole index resident, see CheckLayout).
		check = s.db.CheckLayout
	}
	if err := check(); err != nil {
		if !IsIntegrity(err) {
			return err
		}
		v.add(ProblemIndexCorrupt, "", "", s.indexPath(), err.Error())
		return nil
	}
	v.usable = true
	return v.checkIndexed(ctx)
}

// verifyBatch is how many backups verify lists before it checks them: it
// never holds the whole listing, which for 1,000,000 backups is about 230 MB.
const verifyBatch = 4096

// checkIndexed lists the backups a batch at a time and checks each batch.
func (v *verifier) checkIndexed(ctx context.Context) error {
	q := Query{}
	if v.opts.Host != "" {
		q.Hosts = []string{v.opts.Host}
	}
	total, err := v.total(ctx, q)
	if err != nil {
		return err
	}
	batch := make([]Backup, 0, verifyBatch)
	for b, err := range v.s.List(ctx, q) {
		if err != nil {
			return err
		}
		if b.Future {
			v.warnings = append(v.warnings, Problem{Kind: WarningFuture, Host: b.Host, Timestamp: b.Timestamp, Path: b.Path,
				Detail: "dated more than a day after now (a wrong clock?): never taken as the latest, never counted by clean"})
		}
		if batch = append(batch, b); len(batch) == verifyBatch {
			if err := v.checkAll(ctx, batch, total); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := v.checkAll(ctx, batch, total); err != nil {
		return err
	}
	return v.err
}

// close removes the sorters' temp files.
func (v *verifier) close() {
	_ = v.indexed.Close() // read-only temp files outside the store
	_ = v.names.Close()
}

// indexedRecord is what verify keeps of an indexed backup until it looks
// at the files: its path, then a NUL, then the facts its check saw of its
// file (none when it was not read here).
func indexedRecord(p string, fi fs.FileInfo) string {
	if fi == nil {
		return p + "\x00"
	}
	f := factsOf(fi)
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(f.mode))
	binary.BigEndian.PutUint64(b[4:], uint64(f.mtime))
	return p + "\x00" + string(b[:]) + f.foreign
}

// parseIndexed splits an indexedRecord.
func parseIndexed(r string) (p string, f fileFacts, ok bool) {
	i := strings.IndexByte(r, 0)
	if i < 0 {
		return r, f, false
	}
	p, rest := r[:i], r[i+1:]
	if len(rest) < 12 {
		return p, f, false
	}
	f.mode = fs.FileMode(binary.BigEndian.Uint32([]byte(rest[:4])))
	f.mtime = int64(binary.BigEndian.Uint64([]byte(rest[4:12])))
	f.foreign = rest[12:]
	return p, f, true
}

// total is how many backups q lists, for Progress (0 without it): the
// index counts all of them without reading them, one host's are counted
// by listing them.
func (v *verifier) total(ctx context.Context, q Query) (int, error) {
	if v.opts.Progress == nil {
		return 0, nil
	}
	if len(q.Hosts) == 0 {
		return v.s.db.Count()
	}
	n := 0
	for _, err := range v.s.List(ctx, q) {
		if err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// checkAll checks the backups on every core: each is a read and a hash of
// its own file.
func (v *verifier) checkAll(ctx context.Context, backups []Backup, total int) error {
	return forEach(ctx, len(backups), func(i int) error { return v.backup(backups[i], total) })
}

// backup checks one indexed backup, of total: its name, then its bytes.
// It may run beside other backup calls.
func (v *verifier) backup(b Backup, total int) error {
	if why := nameMismatch(b); why != "" {
		v.add(ProblemNameMismatch, b.Host, b.Timestamp, b.Path, why)
	}
	var (
		fi  fs.FileInfo
		p   *Problem
		err error
	)
	if _, ok := v.opts.justRead[b.Path]; !ok && !v.opts.allJustRead {
		_, fi, p, err = v.s.checkBackupInfo(b)
		if err != nil && !errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("verify %s: %w", b.Path, err)
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.done++
	if err != nil {
		dir := filepath.Dir(b.Path)
		v.denied[dir] = append(v.denied[dir], b.Path)
	} else {
		v.checked++
	}
	if p != nil {
		v.problems = append(v.problems, *p)
	}
	if err := v.indexed.Add(indexedRecord(b.Path, fi)); err != nil && v.err == nil {
		v.err = err
	}
	if v.opts.Progress != nil {
		v.opts.Progress(v.done, total)
	}
	return nil
}

// nameMismatch says why b's file name does not carry its record, or "".
func nameMismatch(b Backup) string {
	n, err := blob.ParseName(filepath.Base(b.Path))
	switch {
	case err != nil:
		return "the file name is not a backup name"
	case n.Host != b.Host || n.Timestamp != b.Timestamp:
		return fmt.Sprintf("the file name says %s at %s, the entry %s at %s", n.Host, n.Timestamp, b.Host, b.Timestamp)
	case n.Compressed != (b.Compression == index.Zstd.String()) || n.Delta != (b.Compression == index.Delta.String()):
		return fmt.Sprintf("the file name and the entry (%s) disagree on compression", b.Compression)
	}
	return ""
}

// indexed lists the backups of host ("" for all) from the index.
func (s *Store) indexed(ctx context.Context, host string) ([]Backup, error) {
	q := Query{}
	if host != "" {
		q.Hosts = []string{host}
	}
	var out []Backup
	if s.db != nil {
		if n, err := s.db.Count(); err == nil {
			out = make([]Backup, 0, n) // at most n: growing a large slice is not free
		}
	}
	for b, err := range s.List(ctx, q) {
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// files looks at everything in the root and the host folders. A store
// without the lock found no root when it opened; a root a writer makes
// meanwhile is not its to look at, as its files may be half written.
func (v *verifier) files() error {
	root := v.s.root
	if v.s.lock == nil {
		return nil
	}
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup root %s: %w", root, err)
	}
	v.perms("", "", root, DirMode)
	for _, e := range entries {
		name, p := e.Name(), filepath.Join(root, e.Name())
		if _, err := LookupHost(name); err == nil {
			if v.opts.Host == "" || v.opts.Host == name {
				if err := v.hostDir(name, p); err != nil {
					return err
				}
			}
			continue
		}
		if v.opts.Host == "" {
			v.rootEntry(name, p)
		}
	}
	return nil
}

// unreadable reports what could not be read for want of permission: a
// host folder that could not be listed once, with the count of its
// backups left unchecked; else each backup that could not be read.
func (v *verifier) unreadable() {
	for dir := range v.closed {
		n := len(v.denied[dir])
		detail := "permission denied: its files could not be listed or checked"
		if n > 0 {
			detail = fmt.Sprintf("permission denied: its files could not be listed, %s not checked", nBackups(n))
		}
		v.add(ProblemUnreadable, filepath.Base(dir), "", dir, detail)
	}
	for dir, paths := range v.denied {
		if v.closed[dir] {
			continue
		}
		for _, p := range paths {
			v.add(ProblemUnreadable, filepath.Base(dir), "", p, "permission denied: not checked")
		}
	}
}

// rootEntry judges a file in the root that is not a host folder.
func (v *verifier) rootEntry(name, p string) {
	switch {
	case name == IndexFile:
		v.perms("", "", p, FileMode)
	case name == LockFile, strings.HasPrefix(name, CorruptIndexPrefix):
	case name == RemoteCacheDir:
		v.perms("", "", p, DirMode)
	case tempname.Is(name):
		v.add(ProblemTemp, "", "", p, "left by an interrupted write")
	default:
		v.add(ProblemUnknown, "", "", p, "not a file of the store")
	}
}

// hostDir judges a host folder and every file in it.
func (v *verifier) hostDir(host, dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		v.add(ProblemSymlink, host, "", dir, "a symlink where the host folder belongs")
		return nil
	}
	if !fi.IsDir() {
		v.add(ProblemUnknown, host, "", dir, "not a folder")
		return nil
	}
	v.perms(host, "", dir, DirMode)
	// A chunk of entries at a time: a folder may hold 1,000,000 backups.
	// Files named as backups are judged once every folder is read (see
	// backupFiles).
	var addErr error
	err = eachEntry(dir, func(e fs.DirEntry) {
		if addErr == nil {
			addErr = v.hostEntry(host, e.Name(), dir+string(filepath.Separator)+e.Name())
		}
	})
	if errors.Is(err, fs.ErrPermission) {
		v.closed[dir] = true // its mode is reported above
		return addErr
	}
	return cmp.Or(err, addErr)
}

// hostEntry judges one file in a host folder, or keeps its path for
// backupFiles when it is named as a backup of host.
func (v *verifier) hostEntry(host, name, p string) error {
	if tempname.Is(name) {
		v.add(ProblemTemp, host, "", p, "left by an interrupted write")
		return nil
	}
	n, err := blob.ParseName(name)
	if err != nil || n.Host != host {
		v.add(ProblemUnknown, host, "", p, "not a backup of "+host)
		return nil
	}
	return v.names.Add(p)
}

// backupFiles judges the files named as backups, in path order beside the
// indexed backups' records, a chunk at a time on every core: each
// unindexed one is looked at on its own.
func (v *verifier) backupFiles() error {
	next, stop := iter.Pull2(v.indexed.All())
	defer stop()
	rec, err, more := next()
	type named struct {
		path    string
		indexed bool
		facts   fileFacts
		known   bool // facts are from the index's check
	}
	var chunk []named
	check := func() error {
		err := forEach(context.Background(), len(chunk), func(i int) error {
			c := chunk[i]
			v.backupFile(c.path, c.indexed, c.facts, c.known)
			return nil
		})
		chunk = chunk[:0]
		return err
	}
	for p, nerr := range v.names.All() {
		if nerr != nil {
			return nerr
		}
		c := named{path: p}
		for ; more && err == nil; rec, err, more = next() {
			ip, f, known := parseIndexed(rec)
			if ip > p {
				break
			}
			if ip == p {
				c.indexed, c.facts, c.known = true, f, known
			}
		}
		if err != nil {
			return err
		}
		if chunk = append(chunk, c); len(chunk) == dirChunk {
			if err := check(); err != nil {
				return err
			}
		}
	}
	return check()
}

// backupFile judges one file named as a backup of its folder's host.
// Damage of indexed backups was found from the index; here only their
// modes are left to check. facts are its own when known.
func (v *verifier) backupFile(p string, indexed bool, facts fileFacts, known bool) {
	dir := filepath.Dir(p)
	host := filepath.Base(dir)
	n, err := blob.ParseName(filepath.Base(p))
	if err != nil {
		return // hostEntry took only backup names
	}
	f, ok := facts, known
	if !ok {
		f, ok = v.looked(p)
	}
	if !ok {
		return
	}
	switch {
	case indexed:
		if f.mode.IsRegular() {
			v.permsOf(host, n.Timestamp, p, f, FileMode)
		}
	case f.mode&fs.ModeSymlink != 0:
		v.add(ProblemSymlink, host, n.Timestamp, p, "a symlink named as a backup")
	case !f.mode.IsRegular():
		v.add(ProblemNotRegular, host, n.Timestamp, p, "named as a backup, not a regular file")
	case v.usable && v.twinOf(p) != "":
		v.add(ProblemInterruptedCompact, host, n.Timestamp, p,
			"beside "+filepath.Base(v.twinOf(p))+": a compact was interrupted; run reindex to finish it")
		v.permsOf(host, n.Timestamp, p, f, FileMode)
	case v.usable:
		v.add(ProblemUnindexed, host, n.Timestamp, p, "a backup file the index does not list")
		v.permsOf(host, n.Timestamp, p, f, FileMode)
	default:
		v.permsOf(host, n.Timestamp, p, f, FileMode)
	}
}

// twinOf returns another form of backup file p that is there too (NAME,
// NAME.zst or NAME.delta), or "".
func (v *verifier) twinOf(p string) string {
	stem := stemOf(p)
	for _, t := range []string{stem, stem + blob.ZstdSuffix, stem + blob.DeltaSuffix} {
		if t == p {
			continue
		}
		if fi, err := os.Lstat(t); err == nil && fi.Mode().IsRegular() {
			return t
		}
	}
	return ""
}

// looked returns the facts of backup file p: from its reading when
// reindex adopted it, else from Lstat; false when it is gone.
func (v *verifier) looked(p string) (fileFacts, bool) {
	if f, ok := v.opts.justRead[p]; ok {
		return f, true
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return fileFacts{}, false
	}
	return factsOf(fi), true
}

// perms reports a wrong mode or owner of p. A symlink is judged by
// whoever calls (never followed here).
func (v *verifier) perms(host, ts, p string, want fs.FileMode) {
	if fi, err := os.Lstat(p); err == nil {
		v.permsOf(host, ts, p, factsOf(fi), want)
	}
}

// permsOf is perms of a file already looked at.
func (v *verifier) permsOf(host, ts, p string, f fileFacts, want fs.FileMode) {
	if f.mode&fs.ModeSymlink != 0 {
		return
	}
	if modeMatters && f.mode.Perm() != want {
		v.add(ProblemMode, host, ts, p, modeDetail(f.mode.Perm(), want))
	}
	if why := f.foreign; why != "" {
		v.add(ProblemOwner, host, ts, p, why)
	}
}

// modeDetail says how a mode differs from the one wanted, and whether
// reindex can fix it: it only ever removes access, never adds any.
func modeDetail(got, want fs.FileMode) string {
	d := fmt.Sprintf("mode %v, want %v", got, want)
	if want&^got != 0 {
		d += "; the owner lacks access, which reindex never adds: chmod it"
	}
	return d
}
