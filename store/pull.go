package store

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// pullIndexBatch is how many pulled backups share one index transaction.
// Every file is durable before its entry is written, as with Create; a
// crash between the two leaves files that reindex adopts.
const pullIndexBatch = 1000

// pullReaders is how many ranged GETs a pull has in flight; each holds
// at most one span of a pack (about 16 MiB).
const pullReaders = 4

// PullOptions select what Pull downloads.
type PullOptions struct {
	Hosts    []string // only these hosts; all when empty
	Progress func(done, total int)
}

// PullResult counts what Pull did.
type PullResult struct {
	Downloaded int // backups written to the local store
	Skipped    int // backups the local store already had (same host and instant)
}

// Pull downloads the remote backups the local store lacks, checks each
// against the authenticated catalogue, and only when all of them check
// writes them, with the durable protocol of Create, under their original
// instants and paths, in the form they were pushed (plain, .zst or a
// .delta with its base). A tampered, truncated or missing object, a
// wrong passphrase or a newer catalogue changes nothing locally. It is
// Plan, Download then WritePulled on one writable store.
func (s *Store) Pull(ctx context.Context, r *remote.Remote, o PullOptions) (PullResult, error) {
	if err := s.writable(); err != nil {
		return PullResult{}, err
	}
	f, err := s.Fetch(ctx, r, o)
	if err != nil {
		return f.Result, err
	}
	return s.WritePulled(ctx, f)
}

// Pulled is what Plan picked and Download fetched and checked, for
// WritePulled. Download keeps the checked objects' sealed bytes (only
// ciphertext) in a temporary file, so that memory does not grow with the
// pull; WritePulled removes it, and so does Discard.
type Pulled struct {
	Result  PullResult // Skipped counted; Downloaded set by WritePulled
	r       *remote.Remote
	entries []remote.Entry
	spill   *os.File
	at      []spillRef // per entry: where its sealed bytes are
	// localBase: the local timestamp of a delta's base already here, by
	// the base's key.
	localBase map[string]string
}

// spillRef places one entry's sealed bytes in the spill file; n 0: a
// large blob, read again from the remote when written.
type spillRef struct{ off, n int64 }

// Fetch downloads and checks the remote backups s lacks: Plan, then
// Download.
func (s *Store) Fetch(ctx context.Context, r *remote.Remote, o PullOptions) (*Pulled, error) {
	f, err := s.Plan(ctx, r, o)
	if err != nil {
		return f, err
	}
	return f, f.Download(ctx, r, o.Progress)
}

// Plan reads the remote's catalogue and picks the backups s lacks, with
// the bases their deltas need. It reads s only: a store opened read-only
// (or whose root does not exist yet) will do, and it may be closed
// before Download, so that a long download does not hold the store lock
// and a failed pull has changed nothing, not even made a root.
func (s *Store) Plan(ctx context.Context, r *remote.Remote, o PullOptions) (*Pulled, error) {
	f := &Pulled{r: r, localBase: map[string]string{}}
	for _, h := range o.Hosts {
		if err := blob.ValidateHost(h); err != nil {
			return f, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return f, remoteErr(err)
	}
	byKey := make(map[string]remote.Entry, len(cat.Entries))
	for _, e := range cat.Entries {
		byKey[e.Key()] = e
	}
	wanted := map[string]bool{}
	for _, e := range cat.Entries {
		if len(o.Hosts) > 0 && !slices.Contains(o.Hosts, e.Host) {
			continue
		}
		if err := checkEntry(e); err != nil {
			return f, remoteErr(err)
		}
		if rec, ok := s.pulledRecordAt(e.Host, e.Created); ok {
			f.Result.Skipped++
			f.localBase[e.Key()] = rec.Timestamp
			continue
		}
		f.entries = append(f.entries, e)
		wanted[e.Key()] = true
	}
	for _, e := range f.entries {
		if err := f.checkBase(s, e, byKey, wanted); err != nil {
			return f, remoteErr(err)
		}
	}
	return f, nil
}

// checkBase makes sure a delta's base comes too, or is here with the
// bytes the delta was made against.
func (f *Pulled) checkBase(s *Store, e remote.Entry, byKey map[string]remote.Entry, wanted map[string]bool) error {
	if e.Encoding != remote.EncodingDelta {
		return nil
	}
	k := e.BaseKey()
	if wanted[k] {
		if byKey[k].SHA256 != e.BaseSHA256 {
			return fmt.Errorf("%w: %s backup %s: its base %s on the remote is not the one it was made against", remote.ErrIntegrity, e.Host, e.Timestamp, e.Base)
		}
		return nil
	}
	if rec, ok := s.pulledRecordAt(e.Host, e.BaseCreated); ok {
		if rec.SHA256 != e.BaseSHA256 {
			return fmt.Errorf("%w: %s backup %s: its base %s here is not the one it was made against", remote.ErrIntegrity, e.Host, e.Timestamp, e.Base)
		}
		f.localBase[k] = rec.Timestamp
		return nil
	}
	return fmt.Errorf("%w: %s backup %s: its base %s is neither on the remote nor here", remote.ErrIntegrity, e.Host, e.Timestamp, e.Base)
}

// pulledRecordAt returns host's record at instant t.
func (s *Store) pulledRecordAt(host string, t time.Time) (index.Record, bool) {
	if s.db == nil {
		return index.Record{}, false
	}
	var rec index.Record
	found := false
	_ = s.db.List(index.Query{Hosts: []string{host}, Since: t, Until: t, Limit: 1},
		func(r index.Record) error { rec, found = r, true; return nil })
	return rec, found
}

// Discard removes what Download kept; WritePulled calls it.
func (f *Pulled) Discard() {
	if f.spill != nil {
		f.spill.Close()
		os.Remove(f.spill.Name())
		f.spill = nil
	}
}

// Download fetches and checks every planned backup; the first that fails
// its check fails the whole download (and nothing is kept). The blobs
// one pack holds for the pull come in one ranged GET of their span (or
// one per blob when they are few in a large pack); a large object in
// windows, checked, and read again when written.
func (f *Pulled) Download(ctx context.Context, r *remote.Remote, progress func(done, total int)) (err error) {
	f.r = r
	f.at = make([]spillRef, len(f.entries))
	if f.spill, err = os.CreateTemp("", "hatch-pull-*"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Discard()
		}
	}()
	groups := spans(f.entries)
	var (
		mu   sync.Mutex
		end  int64
		done atomic.Int64
	)
	keep := func(i int, sealed []byte) error {
		mu.Lock()
		off := end
		end += int64(len(sealed))
		mu.Unlock()
		if _, err := f.spill.WriteAt(sealed, off); err != nil {
			return fmt.Errorf("pull's temporary file: %w", err)
		}
		f.at[i] = spillRef{off: off, n: int64(len(sealed))}
		return nil
	}
	err = r.EachN(ctx, len(groups), pullReaders, func(ctx context.Context, g int) error {
		if err := f.fetchSpan(ctx, r, groups[g], keep); err != nil {
			return err
		}
		if progress != nil {
			progress(int(done.Add(int64(len(groups[g])))), len(f.entries))
		}
		return nil
	})
	return remoteErr(err)
}

// fetchSpan fetches and checks the entries (indexes into f.entries) of
// one object.
func (f *Pulled) fetchSpan(ctx context.Context, r *remote.Remote, idx []int, keep func(int, []byte) error) error {
	first := f.entries[idx[0]]
	if len(idx) == 1 && (first.Legacy() || first.Length > 2*remote.PackTarget()) {
		if first.Legacy() {
			sealed, err := r.FetchSealed(ctx, first)
			if err != nil {
				return err
			}
			if _, err := r.OpenSealed(first, sealed); err != nil {
				return err
			}
			return keep(idx[0], sealed)
		}
		// A large object: checked in windows now, read again when written.
		return r.ReadBlob(ctx, first, nil)
	}
	lo, hi := first.Offset, first.Offset+first.Length
	for _, i := range idx[1:] {
		e := f.entries[i]
		lo, hi = min(lo, e.Offset), max(hi, e.Offset+e.Length)
	}
	span, err := r.ReadSpan(ctx, first.Object, lo, hi-lo)
	if err != nil {
		return err
	}
	for _, i := range idx {
		e := f.entries[i]
		sealed := span[e.Offset-lo : e.Offset-lo+e.Length]
		if _, err := r.OpenSealed(e, sealed); err != nil {
			return err
		}
		if err := keep(i, sealed); err != nil {
			return err
		}
	}
	return nil
}

// spans groups entries by object, cutting a pack's group where the span
// would pass twice the pack target (a repacked pack may be larger) or
// where what lies between two wanted blobs is more than they are.
func spans(entries []remote.Entry) [][]int {
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := entries[a], entries[b]
		return cmp.Or(strings.Compare(x.Object, y.Object), cmp.Compare(x.Offset, y.Offset))
	})
	var groups [][]int
	var cur []int
	var lo, want int64
	for _, i := range order {
		e := entries[i]
		if len(cur) > 0 {
			prev := entries[cur[0]]
			joined := e.Offset + e.Length - lo
			if e.Object != prev.Object || e.Legacy() || prev.Legacy() || joined > 2*remote.PackTarget() || joined > 2*(want+e.Length) {
				groups = append(groups, cur)
				cur = nil
			}
		}
		if len(cur) == 0 {
			lo, want = e.Offset, 0
		}
		cur = append(cur, i)
		want += e.Length
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

// WritePulled writes what Download checked into s (writable). A backup
// indexed meanwhile (same host and instant) is skipped. Bases are
// written before their deltas (a base is newer: each host newest first);
// a delta's file names its base by the base's timestamp here. Every
// .zst and .delta written is then read back through the store's own
// reader and checked against its sha256.
func (s *Store) WritePulled(ctx context.Context, f *Pulled) (PullResult, error) {
	defer f.Discard()
	res := f.Result
	if err := s.writable(); err != nil {
		return res, err
	}
	var todo []int
	for i, e := range f.entries {
		if rec, ok := s.pulledRecordAt(e.Host, e.Created); ok {
			res.Skipped++
			f.localBase[e.Key()] = rec.Timestamp
			continue
		}
		todo = append(todo, i)
	}
	slices.SortFunc(todo, func(a, b int) int {
		x, y := f.entries[a], f.entries[b]
		return cmp.Or(strings.Compare(x.Host, y.Host), y.Created.Compare(x.Created))
	})
	n, recs, err := s.writePulled(ctx, f, todo)
	res.Downloaded = n
	if err != nil {
		return res, err
	}
	return res, s.checkPulled(recs)
}

// checkEntry refuses an entry that no release writes: even an
// authenticated catalogue does not get to name a path outside the store.
func checkEntry(e remote.Entry) error {
	if err := blob.ValidateHost(e.Host); err != nil {
		return fmt.Errorf("%w: catalogue entry: %v", remote.ErrIntegrity, err)
	}
	if e.Size > blob.MaxDecodedSize || e.Created.IsZero() {
		return fmt.Errorf("%w: catalogue entry for %s is malformed", remote.ErrIntegrity, e.Host)
	}
	return nil
}

// pullWriters is how many files a pull writes at once: each write waits
// on its fsyncs, and the file system commits concurrent ones together.
const pullWriters = 4

// writePulled writes each backup file durably, pullWriters at a time,
// then indexes them in batches. A delta is written after its base (in a
// later wave), whose timestamp here its file must name. It returns the
// records of the .zst and .delta files written.
func (s *Store) writePulled(ctx context.Context, f *Pulled, todo []int) (int, []index.Record, error) {
	for _, host := range hostsOf(f.entries, todo) {
		dir := filepath.Join(s.root, host)
		if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
			return 0, nil, fmt.Errorf("backup folder %s: %w", dir, err)
		}
	}
	written := 0
	var encoded []index.Record
	for _, wave := range waves(f.entries, todo) {
		recs := make([]index.Record, len(wave))
		ok := make([]bool, len(wave))
		err := eachLocal(ctx, len(wave), pullWriters, func(k int) error {
			rec, err := f.writeOne(ctx, s, wave[k])
			if err != nil {
				return err
			}
			recs[k], ok[k] = rec, true
			return nil
		})
		// What was written is indexed, even after a failure: its file
		// is durable once its folder is synced, and a pull again skips
		// it.
		var synced []string
		for k, rec := range recs {
			if ok[k] && !slices.Contains(synced, rec.Host) {
				dir := filepath.Join(s.root, rec.Host)
				if serr := s.fs.SyncDir(dir); serr != nil {
					return written, encoded, errors.Join(err, fmt.Errorf("sync %s: %w", dir, serr))
				}
				synced = append(synced, rec.Host)
			}
		}
		var done []index.Record
		for k, rec := range recs {
			if !ok[k] {
				continue
			}
			f.localBase[f.entries[wave[k]].Key()] = rec.Timestamp
			if rec.Compression != index.None {
				encoded = append(encoded, rec)
			}
			done = append(done, rec)
		}
		for len(done) > 0 {
			n := min(len(done), pullIndexBatch)
			if ierr := s.db.PutMany(done[:n]); ierr != nil {
				return written, encoded, errors.Join(err, fmt.Errorf("index %s: %w", s.indexPath(), ierr))
			}
			written += n
			done = done[n:]
		}
		if err != nil {
			return written, encoded, err
		}
	}
	return written, encoded, nil
}

// hostsOf lists the hosts of the entries todo names, once each.
func hostsOf(entries []remote.Entry, todo []int) []string {
	var hosts []string
	for _, i := range todo {
		if h := entries[i].Host; !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// waves splits todo (each host newest first) so that a delta comes in a
// wave after its base's when its base is pulled too: wave 0 holds every
// other backup.
func waves(entries []remote.Entry, todo []int) [][]int {
	level := map[string]int{}
	var out [][]int
	for _, i := range todo {
		e := entries[i]
		w := 0
		if b, ok := level[e.BaseKey()]; ok && e.Encoding == remote.EncodingDelta {
			w = b + 1
		}
		level[e.Key()] = w
		for len(out) <= w {
			out = append(out, nil)
		}
		out[w] = append(out[w], i)
	}
	return out
}

// eachLocal runs fn for 0..n-1, par at a time; the first error stops
// the rest and is returned.
func eachLocal(ctx context.Context, n, par int, fn func(k int) error) error {
	var (
		mu    sync.Mutex
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	for range min(par, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				mu.Lock()
				stop := first != nil
				mu.Unlock()
				if k >= n || stop {
					return
				}
				err := ctx.Err()
				if err == nil {
					err = fn(k)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// writeOne opens entry i's kept bytes again and writes its file.
func (f *Pulled) writeOne(ctx context.Context, s *Store, i int) (index.Record, error) {
	e := f.entries[i]
	var got []byte
	var err error
	if ref := f.at[i]; ref.n > 0 {
		sealed := make([]byte, ref.n)
		if _, err := f.spill.ReadAt(sealed, ref.off); err != nil {
			return index.Record{}, fmt.Errorf("pull's temporary file: %w", err)
		}
		got, err = f.r.OpenSealed(e, sealed)
	} else {
		var buf bytes.Buffer
		err = f.r.ReadBlob(ctx, e, &buf)
		got = buf.Bytes()
	}
	if err != nil {
		return index.Record{}, remoteErr(err)
	}
	rec := index.Record{Host: e.Host, OriginalPath: e.OriginalPath, OriginalSize: e.Size,
		SHA256: e.SHA256, Parse: index.ParseStatus(e.Parse), Safety: e.Safety}
	stored := got
	switch {
	case e.Legacy() && e.Compressed:
		stored, rec.Compression = blob.Compress(got), index.Zstd
	case e.Encoding == remote.EncodingZstd:
		rec.Compression = index.Zstd
	case e.Encoding == remote.EncodingDelta:
		rec.Compression = index.Delta
		rec.Base = f.localBase[e.BaseKey()]
		if rec.Base == "" {
			return rec, fmt.Errorf("%w: %s backup %s: its base %s was not written", ErrIntegrity, e.Host, e.Timestamp, e.Base)
		}
		if rec.Base != e.Base {
			// Here the base has another timestamp (another time zone):
			// the delta's file names it as this store does.
			if stored, err = blob.ReheadDelta(stored, blob.DeltaHeader{Base: rec.Base}); err != nil {
				return rec, fmt.Errorf("%w: %s backup %s: %v", ErrIntegrity, e.Host, e.Timestamp, err)
			}
		}
	}
	rec.StoredSize = int64(len(stored))
	return rec, s.publishPulled(&rec, stored, e.Created)
}

// publishPulled is publishWith for a file of any form: the durable
// no-replace write under the first free name from the backup's instant,
// its folder's fsync left to the caller.
func (s *Store) publishPulled(rec *index.Record, stored []byte, created time.Time) error {
	return s.publishFirstFree(rec, created,
		// A pull killed before its index write left it.
		func() bool { return s.pulledBefore(rec, stored) },
		// The folder is fsynced once per wave, before any of its names
		// goes into the index (writePulled): one fsync, not one per file.
		func(p string) error { return hatomic.PublishNewAt(s.fs, p, stored, FileMode, rec.Created) })
}

// checkPulled reads back every .zst and .delta written (a delta through
// its chain, each step checked against its sha256).
func (s *Store) checkPulled(recs []index.Record) error {
	for _, rec := range recs {
		if _, err := s.Read(s.backupOf(rec)); err != nil {
			return err
		}
	}
	return nil
}

// pulledBefore says whether rec's file is already there, unindexed, with
// exactly the bytes stored: what a pull killed between its writes and
// its index transaction leaves. Indexing it then keeps one copy of the
// backup where a new name would make a second.
func (s *Store) pulledBefore(rec *index.Record, stored []byte) bool {
	if s.instantIndexed(rec.Host, rec.Created) {
		return false
	}
	got, err := s.readFile(filepath.Join(s.root, filepath.FromSlash(rec.File)), int64(len(stored)))
	return err == nil && bytes.Equal(got, stored)
}
