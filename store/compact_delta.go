package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/retention"
)

// The base scheme of compact --delta: reverse skip-deltas, numbered from
// the oldest backup of a config (host and original path), anchored on the
// newest, which stays plain.
//
// Backup p (1 = the oldest, n = the newest) is a delta against backup
// p + lowbit(p) (lowbit: p's lowest set bit), or against the newest when
// that does not exist yet. So the chain from any backup climbs through
// ever larger powers of two: at most log2(n) deltas, then the newest. In
// blocks of keyframeEvery backups, the last of each block is stored whole
// (.zst): chains stay within a block, so no backup needs more than
// log2(keyframeEvery)+1 = 15 decode steps, whatever the history's length.
//
// Bases are always newer than their deltas, so the oldest backups, which
// clean removes first, are no one's base; and a new backup never forces a
// rewrite: each backup is encoded once, when compact first finds it, and
// only its own bytes change. A guard keeps every chain within
// MaxDeltaSteps-1 whatever the history (renumbering after a clean, bases
// from an earlier run): a backup whose chain would pass it is stored whole.
const keyframeEvery = 1 << 14

// MaxDeltaOriginal is the largest backup (original bytes) compact --delta
// encodes as a delta or uses as a base. Encoding takes a window as large
// as base and backup together and reading one holds both: past this size
// a delta costs hundreds of MiB of memory for each read, and a config this
// large is no longer the small edit-by-edit file deltas pay for. Larger
// backups are stored whole (.zst).
const MaxDeltaOriginal = 64 << 20

// deltaCacheBytes bounds the original bytes compact --delta keeps of a
// config's backups while it encodes them (bases are read many times).
const deltaCacheBytes = 64 << 20

// plannedBase is the 1-based position of the base of backup p among n,
// or 0 when p is stored whole (a keyframe).
func plannedBase(p, n int) int {
	q := (p-1)%keyframeEvery + 1
	if q == keyframeEvery {
		return 0
	}
	j := p + q&-q
	return min(j, n)
}

// series is the backups of one config, oldest first.
type series struct {
	recs []index.Record
	// byStamp: the position of each backup of the host by timestamp (the
	// host's other configs included: a base is found by timestamp).
	byStamp map[string]int
	// deps: the positions of the deltas against each backup.
	deps map[int][]int
	// pending: re-encoded backups whose new files are written, not yet
	// indexed (see flush).
	pending []switched
	cache   map[int][]byte
	cached  int
}

// switched is one backup's move to a new form: its old and new records,
// and whether the new one is a delta.
type switched struct {
	old, new index.Record
	delta    bool
}

// deltaBatch is how many backups compact --delta switches at once: one
// folder fsync and one index transaction for them all.
const deltaBatch = 64

// compactDeltas re-encodes the old backups of each config as deltas (or
// .zst when a delta would not be smaller, or the scheme stores it whole).
func (s *Store) compactDeltas(ctx context.Context, o CompactOptions, res *CompactResult) error {
	all, err := s.seriesList(index.Query{})
	if err != nil {
		return err
	}
	total := 0
	for _, sr := range all {
		total += len(sr.recs)
	}
	var errs []error
	done := 0
	for _, sr := range all {
		for i := len(sr.recs) - 2; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return errors.Join(append(errs, s.flush(sr, res), err)...)
			}
			if err := s.deltaOne(sr, i, o.CompressOlderThanDays, res); err != nil {
				errs = append(errs, err)
			}
			if len(sr.pending) >= deltaBatch {
				errs = append(errs, s.flush(sr, res))
			}
		}
		errs = append(errs, s.flush(sr, res))
		done += len(sr.recs)
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	return errors.Join(errs...)
}

// seriesList groups the indexed backups (future-dated ones left out: they
// are never the newest, nor anyone's base) by host and original path.
func (s *Store) seriesList(q index.Query) ([]*series, error) {
	horizon := s.horizon()
	byKey := map[seriesKey]*series{}
	var order []seriesKey
	err := s.db.List(q, func(r index.Record) error {
		if r.Created.After(horizon) {
			return nil
		}
		k := seriesOf(r)
		sr := byKey[k]
		if sr == nil {
			sr = &series{}
			byKey[k] = sr
			order = append(order, k)
		}
		sr.recs = append(sr.recs, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	out := make([]*series, 0, len(order))
	for _, k := range order {
		sr := byKey[k]
		slices.SortFunc(sr.recs, func(a, b index.Record) int { return a.Created.Compare(b.Created) })
		sr.byStamp = make(map[string]int, len(sr.recs))
		for i, r := range sr.recs {
			sr.byStamp[r.Timestamp] = i
		}
		sr.cache = map[int][]byte{}
		sr.deps = map[int][]int{}
		for i, r := range sr.recs {
			if j, ok := sr.byStamp[r.Base]; ok && r.Compression == index.Delta {
				sr.deps[j] = append(sr.deps[j], i)
			}
		}
		out = append(out, sr)
	}
	return out, nil
}

// steps is how many decode steps backup i takes to read (0 plain, 1 .zst,
// 1 + its base's for a delta); a base outside the series counts as
// MaxDeltaSteps (never built upon).
func (sr *series) steps(i int) int {
	n := 0
	for range maxReadDepth {
		switch sr.recs[i].Compression {
		case index.None:
			return n
		case index.Zstd:
			return n + 1
		}
		j, ok := sr.byStamp[sr.recs[i].Base]
		if !ok || j <= i {
			return MaxDeltaSteps
		}
		i, n = j, n+1
	}
	return MaxDeltaSteps
}

// height is the longest chain of deltas that ends at backup i (0: none).
func (sr *series) height(i int) int {
	return sr.heightAt(i, 0)
}

func (sr *series) heightAt(i, depth int) int {
	h := 0
	if depth > maxReadDepth {
		return MaxDeltaSteps // damage: a loop; never build upon it
	}
	for _, d := range sr.deps[i] {
		if d < i {
			h = max(h, 1+sr.heightAt(d, depth+1))
		}
	}
	return h
}

// original returns the original bytes of backup i, read (and checked)
// once and kept while the cache has room.
func (s *Store) original(sr *series, i int) ([]byte, error) {
	if data, ok := sr.cache[i]; ok {
		return data, nil
	}
	data, err := s.Read(s.backupOf(sr.recs[i]))
	if err != nil {
		return nil, err
	}
	if len(data) > deltaCacheBytes {
		return data, nil // read once: it is never anyone's base
	}
	if sr.cached+len(data) > deltaCacheBytes {
		clear(sr.cache)
		sr.cached = 0
	}
	sr.cache[i] = data
	sr.cached += len(data)
	return data, nil
}

// deltaOne re-encodes backup i of sr if it is due: plain or .zst, old
// enough, and named by hatch-backup.
func (s *Store) deltaOne(sr *series, i, days int, res *CompactResult) error {
	r := sr.recs[i]
	b := s.backupOf(r)
	if r.Compression == index.Delta || !retention.OlderThan(r.Created, s.now(), days) {
		return nil
	}
	if filepath.Base(filepath.FromSlash(r.File)) != blob.NewName(r.Host, r.Timestamp, r.Compression == index.Zstd).String() {
		if r.Compression == index.None {
			res.Kept = append(res.Kept, Verdict{Backup: b, Reason: "adopted name, never renamed"})
		}
		return nil
	}
	data, err := s.original(sr, i)
	if err != nil {
		return err
	}
	z := blob.Compress(data)
	var nr index.Record
	if j := plannedBase(i+1, len(sr.recs)) - 1; j > i && r.OriginalSize <= MaxDeltaOriginal && s.usableBase(sr, i, j) {
		nr, err = s.encodeAgainst(sr, i, j, data, len(z))
		if err != nil {
			return err
		}
	}
	if nr.File == "" && r.Compression == index.Zstd {
		return nil // stays whole as it is
	}
	if nr.File == "" {
		nr = r
		nr.File, nr.StoredSize, nr.Compression = r.File+blob.ZstdSuffix, int64(len(z)), index.Zstd
		if err := s.checkZstd(nr, z); err != nil {
			return fmt.Errorf("compress %s: %w", b.Path, err)
		}
		if err := s.publishForm(r, nr, z); err != nil {
			return err
		}
	} else {
		d := sr.cache[-1-i]
		delete(sr.cache, -1-i)
		if err := s.publishForm(r, nr, d); err != nil {
			return err
		}
	}
	sr.recs[i] = nr
	sr.pending = append(sr.pending, switched{old: r, new: nr, delta: nr.Compression == index.Delta})
	return nil
}

// publishForm writes nr's file (content) durably under its own name, no-replace
// (one already there is used only when it holds exactly this content); its
// folder is not fsynced yet (flush does, once for a batch).
func (s *Store) publishForm(r, nr index.Record, content []byte) error {
	p := s.backupOf(nr).Path
	publish := func() error { return hatomic.PublishNewAt(s.fs, p, content, FileMode, r.Created) }
	err := publish()
	if errors.Is(err, hatomic.ErrExist) {
		err = s.adoptTwin(nr, p, content, publish)
	}
	if err != nil {
		return fmt.Errorf("re-encode %s: %w", s.backupOf(r).Path, err)
	}
	return nil
}

// flush switches sr's pending backups to their new files, under the write
// protocol for a batch: the folder is fsynced (every new file durable by
// name), the index entries are switched in one transaction, then the old
// files are removed and the folder fsynced again. A crash leaves each
// backup readable: before the switch the new files are unindexed twins
// (the next compact uses them: they hold exactly what it would write),
// after it the old ones are (the next compact removes them once the new
// form reads back intact).
func (s *Store) flush(sr *series, res *CompactResult) error {
	batch := sr.pending
	sr.pending = nil
	if len(batch) == 0 {
		return nil
	}
	dir := filepath.Dir(s.backupOf(batch[0].new).Path)
	nrs := make([]index.Record, len(batch))
	for i, sw := range batch {
		nrs[i] = sw.new
	}
	err := s.fs.SyncDir(dir)
	if err == nil {
		if err = s.db.ReplaceMany(nrs); err != nil {
			err = fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
	}
	if err != nil {
		// The index still names the old files: take the new ones back.
		var errs []error
		for i, sw := range batch {
			errs = append(errs, s.fs.Remove(s.backupOf(sw.new).Path))
			sr.recs[sr.byStamp[sw.old.Timestamp]] = batch[i].old
		}
		return errors.Join(append([]error{err}, errs...)...)
	}
	var errs []error
	for _, sw := range batch {
		if rmErr := s.fs.Remove(s.backupOf(sw.old).Path); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("re-encoded %s, but the old file stays as an unindexed duplicate: %w", s.backupOf(sw.old).Path, rmErr))
		}
		if sw.delta {
			res.Deltas = append(res.Deltas, s.backupOf(sw.new))
		} else {
			res.Compressed = append(res.Compressed, s.backupOf(sw.new))
			res.PlainBytes += sw.old.StoredSize
			res.ZstdBytes += sw.new.StoredSize
		}
		res.BytesBefore += sw.old.StoredSize
		res.BytesAfter += sw.new.StoredSize
	}
	if err := s.fs.SyncDir(dir); err != nil {
		errs = append(errs, fmt.Errorf("backup folder %s: %w", dir, err))
	}
	return errors.Join(errs...)
}

// usableBase: backup j may be backup i's base: named by hatch-backup (an
// adopted Python Hatch file may be removed by Python Hatch), and the
// chains through i stay within MaxDeltaSteps-1 (one step spare, for the
// newest becoming a .zst some day).
func (s *Store) usableBase(sr *series, i, j int) bool {
	rj := sr.recs[j]
	if rj.OriginalSize > MaxDeltaOriginal {
		return false
	}
	if filepath.Base(filepath.FromSlash(rj.File)) != canonicalFile(rj) {
		return false
	}
	return sr.steps(j)+1+sr.height(i) <= MaxDeltaSteps-1
}

// canonicalFile is the name hatch-backup gives r's file.
func canonicalFile(r index.Record) string {
	n := blob.NewName(r.Host, r.Timestamp, r.Compression == index.Zstd)
	n.Delta = r.Compression == index.Delta
	return n.String()
}

// encodeAgainst encodes backup i (data) as a delta against backup j and
// returns its new record when the delta is smaller than zlen (the .zst's
// size); the zero record otherwise. The delta's bytes wait in the cache
// under -1-i.
func (s *Store) encodeAgainst(sr *series, i, j int, data []byte, zlen int) (index.Record, error) {
	r, rj := sr.recs[i], sr.recs[j]
	base, err := s.original(sr, j)
	if err != nil {
		return index.Record{}, err
	}
	d, err := blob.EncodeDelta(data, base, blob.DeltaHeader{Base: rj.Timestamp})
	if err != nil || len(d) >= zlen {
		return index.Record{}, err
	}
	nr := r
	nr.File = strings.TrimSuffix(r.File, blob.ZstdSuffix) + blob.DeltaSuffix
	nr.StoredSize, nr.Compression, nr.Base = int64(len(d)), index.Delta, rj.Timestamp
	if err := checkDelta(nr, d, base); err != nil {
		return index.Record{}, fmt.Errorf("delta %s: %w", s.backupOf(nr).Path, err)
	}
	sr.cache[-1-i] = d
	return nr, nil
}

// checkDelta checks that the .delta file d decodes against base to exactly
// the bytes r's sha256 names.
func checkDelta(r index.Record, d, base []byte) error {
	h, frame, err := blob.ParseDelta(d)
	if err != nil || h.Base != r.Base {
		return fmt.Errorf("%w: delta header does not name base %s", ErrIntegrity, r.Base)
	}
	data, err := blob.DecodeDelta(frame, base, r.OriginalSize)
	if err != nil {
		return fmt.Errorf("%w: delta does not decode: %w", ErrIntegrity, err)
	}
	if int64(len(data)) != r.OriginalSize || blob.Sum(data) != r.SHA256 {
		return fmt.Errorf("%w: delta decodes to other content", ErrIntegrity)
	}
	return nil
}

// switchForm stores backup r in its new form nr (file bytes content),
// under the write protocol: the new file is written durably under its own
// name (no-replace; one already there is used only when it holds exactly
// this content), the index entry is switched to it, and the old file is
// removed and its folder fsynced. A crash leaves the old form indexed
// (the new file an unindexed twin, used by the next compact), or the new
// one indexed (the old file a twin the next compact removes).
func (s *Store) switchForm(r, nr index.Record, content []byte) error {
	old, nb := s.backupOf(r), s.backupOf(nr)
	write := func() error { return hatomic.WriteNewAt(s.fs, nb.Path, content, FileMode, r.Created) }
	err := write()
	if errors.Is(err, hatomic.ErrExist) {
		err = s.adoptTwin(nr, nb.Path, content, write)
	}
	if err != nil {
		return fmt.Errorf("re-encode %s: %w", old.Path, err)
	}
	if err := s.db.Replace(nr); err != nil {
		rmErr := s.fs.Remove(nb.Path)
		return errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	if err := s.removeAndSync(old.Path); err != nil {
		return fmt.Errorf("re-encoded %s to %s, but the old file stays as an unindexed duplicate: %w", old.Path, nb.Path, err)
	}
	return nil
}

// adoptTwin judges a file already at the new form's name: a crash's
// leftover, used when it holds exactly the bytes about to be written (a
// delta is deterministic for its base and content). Any other file there
// is replaced: write runs again once it is removed. That file is not
// indexed (the index names the backup's other form, which the caller has
// just read back intact), so it holds nothing the store needs: a .delta
// left by a compact killed before its index switch, made against a base
// this compact no longer plans (a watch's compaction meets it after a
// kill, and would otherwise fail at every threshold until a reindex).
func (s *Store) adoptTwin(nr index.Record, p string, content []byte, write func() error) error {
	got, err := s.readFile(p, int64(len(content)))
	if err == nil && bytes.Equal(got, content) {
		return nil
	}
	if nr.Compression == index.Zstd && err == nil {
		if s.checkZstd(nr, got) == nil {
			return nil
		}
	}
	if err := s.fs.Remove(p); err != nil {
		return fmt.Errorf("%s exists and is not this backup, and could not be removed: %w", p, err)
	}
	return write()
}

// removeDeltaLeftovers removes, beside each delta backup, a plain or .zst
// copy holding exactly its content once the delta reads back intact: what
// a crash between the index switch and the removal leaves.
func (s *Store) removeDeltaLeftovers(q index.Query, res *CompactResult) error {
	var deltas []index.Record
	err := s.db.List(q, func(r index.Record) error {
		if r.Compression == index.Delta {
			deltas = append(deltas, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	var errs []error
	for _, r := range deltas {
		b := s.backupOf(r)
		plain := strings.TrimSuffix(b.Path, blob.DeltaSuffix)
		for _, p := range []string{plain, plain + blob.ZstdSuffix} {
			if _, err := s.fs.Lstat(p); errors.Is(err, fs.ErrNotExist) {
				continue
			}
			removed, err := s.removeFormOf(b, p)
			if err != nil {
				errs = append(errs, err)
			} else if removed {
				res.Leftovers++
			}
		}
	}
	return errors.Join(errs...)
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// removeFormOf removes p, another form (plain, .zst or .delta) of backup b, when
// b reads back intact and p holds exactly b's content.
func (s *Store) removeFormOf(b Backup, p string) (bool, error) {
	if _, err := s.Read(b); err != nil {
		return false, ignoreDamage(err)
	}
	data, err := s.readFile(p, blob.MaxDecodedSize)
	if err != nil {
		return false, ignoreDamage(err)
	}
	switch {
	case strings.HasSuffix(p, blob.ZstdSuffix):
		if data, err = blob.Decompress(data, b.OriginalSize); err != nil {
			return false, nil
		}
	case strings.HasSuffix(p, blob.DeltaSuffix):
		h, frame, err := blob.ParseDelta(data)
		if err != nil {
			return false, nil
		}
		base, err := s.baseOf(Backup{Host: b.Host, Base: h.Base, Path: p})
		if err != nil {
			return false, ignoreDamage(ignoreNotFound(err))
		}
		baseData, err := s.Read(base)
		if err != nil {
			return false, ignoreDamage(err)
		}
		if data, err = blob.DecodeDelta(frame, baseData, b.OriginalSize); err != nil {
			return false, nil
		}
	}
	if int64(len(data)) != b.OriginalSize || blob.Sum(data) != b.SHA256 {
		return false, nil
	}
	if err := s.removeAndSync(p); err != nil {
		return false, fmt.Errorf("remove %s, a copy of %s: %w", p, b.Path, err)
	}
	return true, nil
}

// compactHostBatch is one batch of a background compact --delta of host
// (watch): it re-encodes up to deltaBatch of host's plain backups not in
// done (the newest of each config excepted), adds them to done, and says
// whether more may be left. The store is open (locked) only for the batch:
// the caller closes it between batches, so other writers get in, and each
// batch plans afresh from the index (a backup written meanwhile, a clean
// run meanwhile). .zst backups are left as they are: compact --delta takes
// them on when asked.
func (s *Store) compactHostBatch(ctx context.Context, host string, done map[string]bool, res *CompactResult) (more bool, err error) {
	if err := s.writable(); err != nil {
		return false, err
	}
	q := index.Query{Hosts: []string{host}}
	errs := []error{}
	if len(done) == 0 {
		errs = append(errs, s.removeDeltaLeftovers(q, res))
	}
	all, err := s.seriesList(q)
	if err != nil {
		return false, err
	}
	n := 0
	for _, sr := range all {
		for i := len(sr.recs) - 2; i >= 0 && !more; i-- {
			r := sr.recs[i]
			if done[r.Timestamp] || r.Compression != index.None {
				continue
			}
			if err := ctx.Err(); err != nil {
				return false, errors.Join(append(errs, s.flush(sr, res), err)...)
			}
			done[r.Timestamp] = true
			if err := s.deltaOne(sr, i, 0, res); err != nil {
				errs = append(errs, err)
			}
			n++
			more = n >= deltaBatch
		}
		errs = append(errs, s.flush(sr, res))
	}
	return more, errors.Join(errs...)
}
