package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// pullIndexBatch is how many pulled backups share one index transaction.
// Every file is durable before its entry is written, as with Create; a
// crash between the two leaves files that reindex adopts.
const pullIndexBatch = 1000

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
// instants and paths. A tampered, truncated or missing object, a wrong
// passphrase or a newer catalogue changes nothing locally. It is Fetch
// then Write on one writable store.
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

// Pulled is what Fetch downloaded and checked, for WritePulled.
type Pulled struct {
	Result  PullResult // Skipped counted; Downloaded set by WritePulled
	entries []remote.Entry
	datas   [][]byte
}

// Fetch downloads and checks the remote backups s lacks: Plan, then
// Download.
func (s *Store) Fetch(ctx context.Context, r *remote.Remote, o PullOptions) (*Pulled, error) {
	f, err := s.Plan(ctx, r, o)
	if err != nil {
		return f, err
	}
	return f, f.Download(ctx, r, o.Progress)
}

// Plan reads the remote's catalogue and picks the backups s lacks. It
// reads s only: a store opened read-only (or whose root does not exist
// yet) will do, and it may be closed before Download, so that a long
// download does not hold the store lock and a failed pull has changed
// nothing, not even made a root.
func (s *Store) Plan(ctx context.Context, r *remote.Remote, o PullOptions) (*Pulled, error) {
	f := &Pulled{}
	for _, h := range o.Hosts {
		if err := blob.ValidateHost(h); err != nil {
			return f, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return f, remoteErr(err)
	}
	for _, e := range cat.Entries {
		if len(o.Hosts) > 0 && !slices.Contains(o.Hosts, e.Host) {
			continue
		}
		if err := checkEntry(e); err != nil {
			return f, remoteErr(err)
		}
		if s.db != nil && s.instantIndexed(e.Host, e.Created) {
			f.Result.Skipped++
			continue
		}
		f.entries = append(f.entries, e)
	}
	return f, nil
}

// Download fetches and checks every planned backup; the first that fails
// its check fails the whole download.
func (f *Pulled) Download(ctx context.Context, r *remote.Remote, progress func(done, total int)) error {
	f.datas = make([][]byte, len(f.entries))
	var done atomic.Int64
	err := r.Each(ctx, len(f.entries), func(ctx context.Context, i int) error {
		data, err := r.Download(ctx, f.entries[i], blob.Sum)
		if err != nil {
			return err
		}
		f.datas[i] = data
		if progress != nil {
			progress(int(done.Add(1)), len(f.entries))
		}
		return nil
	})
	return remoteErr(err)
}

// WritePulled writes what Fetch checked into s (writable). A backup
// indexed meanwhile (same host and instant) is skipped.
func (s *Store) WritePulled(ctx context.Context, f *Pulled) (PullResult, error) {
	res := f.Result
	if err := s.writable(); err != nil {
		return res, err
	}
	var todo []remote.Entry
	var datas [][]byte
	for i, e := range f.entries {
		if s.instantIndexed(e.Host, e.Created) {
			res.Skipped++
			continue
		}
		todo, datas = append(todo, e), append(datas, f.datas[i])
	}
	n, err := s.writePulled(ctx, todo, datas)
	res.Downloaded = n
	return res, err
}

// checkEntry refuses an entry that no release writes: even an
// authenticated catalogue does not get to name a path outside the store.
func checkEntry(e remote.Entry) error {
	if err := blob.ValidateHost(e.Host); err != nil {
		return fmt.Errorf("%w: catalogue entry: %v", remote.ErrIntegrity, err)
	}
	if e.Size > MaxConfigSize || e.Created.IsZero() {
		return fmt.Errorf("%w: catalogue entry for %s is malformed", remote.ErrIntegrity, e.Host)
	}
	return nil
}

// writePulled writes each backup file durably, then indexes them in
// batches.
func (s *Store) writePulled(ctx context.Context, todo []remote.Entry, datas [][]byte) (int, error) {
	written := 0
	var pending []index.Record
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		if err := s.db.PutMany(pending); err != nil {
			return fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
		written += len(pending)
		pending = pending[:0]
		return nil
	}
	dirs := map[string]bool{}
	for i, e := range todo {
		if err := ctx.Err(); err != nil {
			return written, errors.Join(flush(), err)
		}
		if !dirs[e.Host] {
			dir := filepath.Join(s.root, e.Host)
			if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
				return written, errors.Join(flush(), fmt.Errorf("backup folder %s: %w", dir, err))
			}
			dirs[e.Host] = true
		}
		rec, stored := pulledRecord(e, datas[i])
		if err := s.publishFrom(&rec, stored, e.Compressed, e.Created); err != nil {
			return written, errors.Join(flush(), err)
		}
		pending = append(pending, rec)
		if len(pending) >= pullIndexBatch {
			if err := flush(); err != nil {
				return written, err
			}
		}
	}
	return written, flush()
}

func pulledRecord(e remote.Entry, data []byte) (index.Record, []byte) {
	rec := index.Record{
		Host: e.Host, OriginalPath: e.OriginalPath, OriginalSize: int64(len(data)),
		SHA256: e.SHA256, Compression: index.None, Parse: index.ParseStatus(e.Parse), Safety: e.Safety,
	}
	stored := data
	if e.Compressed {
		stored, rec.Compression = blob.Compress(data), index.Zstd
	}
	rec.StoredSize = int64(len(stored))
	return rec, stored
}
