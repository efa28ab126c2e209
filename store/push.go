package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// pushBatch is how many backups go up between two catalogue segments: an
// interrupted push loses at most one batch of work, and a push of 10,000
// backups writes a handful of segments, not 10,000.
const pushBatch = 2000

// segmentTimeout bounds the segment written after an interrupted batch.
const segmentTimeout = 30 * time.Second

// PushOptions select what Push reports.
type PushOptions struct {
	// Progress is called after each upload.
	Progress func(done, total int)
	// ReleaseLock releases the store lock once the backups to push are
	// listed: a create meanwhile does not wait for the upload, a backup
	// removed meanwhile is skipped. The store is then good only for Close.
	ReleaseLock bool
}

// PushResult counts what Push did.
type PushResult struct {
	Uploaded int   // backups uploaded
	Skipped  int   // backups the remote already had
	Damaged  int   // local backups not uploaded: they fail their sha256
	Bytes    int64 // plaintext bytes uploaded
}

// Push uploads every local backup the remote's catalogue lacks (by host
// and instant), then a catalogue segment naming them. Each backup is read
// and checked against its sha256 first: a damaged one is not uploaded
// (a warning names it). It never replaces or deletes a remote object.
func (s *Store) Push(ctx context.Context, r *remote.Remote, o PushOptions) (PushResult, error) {
	var res PushResult
	token := s.pushToken()
	if n, ok, err := r.UpToDate(ctx, token); err != nil || ok { // nothing new here or there: one LIST
		return PushResult{Skipped: n}, remoteErr(err)
	}
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return res, remoteErr(err)
	}
	have := make(map[string]bool, len(cat.Entries))
	for _, e := range cat.Entries {
		have[e.Key()] = true
	}
	var todo []Backup
	for b, err := range s.List(ctx, Query{}) {
		if err != nil {
			return res, err
		}
		if k := entryKey(b.Host, b); have[k] || cat.Removed[k] {
			res.Skipped++
			continue
		}
		todo = append(todo, b)
	}
	if o.ReleaseLock {
		if err := s.detach(todo); err != nil {
			return res, err
		}
	}
	var done atomic.Int64
	for start := 0; start < len(todo); start += pushBatch {
		batch := todo[start:min(start+pushBatch, len(todo))]
		added, damaged, bytes, err := s.upload(ctx, r, batch, func() {
			if o.Progress != nil {
				o.Progress(int(done.Add(1)), len(todo))
			}
		})
		if len(added) > 0 {
			// Even after a failure or an interrupt, what went up gets its
			// segment: the next push resumes after it.
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), segmentTimeout)
			aerr := r.Append(actx, cat, added, nil)
			cancel()
			if aerr == nil {
				res.Uploaded += len(added)
				res.Bytes += bytes
			}
			err = errors.Join(err, aerr)
		}
		res.Damaged += damaged
		if err != nil {
			return res, remoteErr(err)
		}
	}
	if err := r.Consolidate(ctx, cat); err != nil {
		return res, remoteErr(err)
	}
	if res.Damaged == 0 {
		r.MarkUpToDate(cat, token, res.Skipped+res.Uploaded)
	}
	return res, nil
}

// entryKey is remote.Entry.Key for a local backup.
func entryKey(host string, b Backup) string {
	return remote.Entry{Host: host, Created: b.Created}.Key()
}

// upload sends batch in parallel and returns the catalogue entries of
// what went up.
func (s *Store) upload(ctx context.Context, r *remote.Remote, batch []Backup, tick func()) ([]remote.Entry, int, int64, error) {
	entries := make([]remote.Entry, len(batch))
	ok := make([]bool, len(batch))
	var mu sync.Mutex
	var damaged int
	var bytes int64
	err := r.Each(ctx, len(batch), func(ctx context.Context, i int) error {
		b := batch[i]
		data, err := s.Read(b)
		if IsIntegrity(err) {
			s.log.Warn("not pushed: backup is damaged", "backup", b.Path)
			mu.Lock()
			damaged++
			mu.Unlock()
			return nil
		}
		if errors.Is(err, errRemovedMeanwhile) {
			return nil // clean removed it while the lock was released
		}
		if err != nil {
			return err
		}
		name, err := r.Upload(ctx, data)
		if err != nil {
			return err
		}
		entries[i] = entryOf(b, name, data)
		ok[i] = true
		mu.Lock()
		bytes += int64(len(data))
		mu.Unlock()
		tick()
		return nil
	})
	var added []remote.Entry
	for i, e := range entries {
		if ok[i] {
			added = append(added, e)
		}
	}
	if err != nil {
		// What went up is still worth a segment: the next push resumes
		// after it. A failure to write it is not worth more than err.
		return added, damaged, bytes, err
	}
	return added, damaged, bytes, nil
}

func entryOf(b Backup, object string, data []byte) remote.Entry {
	parse := index.ParseUnknown
	if b.Parsed != nil {
		parse = index.Unparsable
		if *b.Parsed {
			parse = index.Parsed
		}
	}
	return remote.Entry{Object: object, Host: b.Host, Timestamp: b.Timestamp, Created: b.Created,
		OriginalPath: b.OriginalPath, Size: int64(len(data)), SHA256: b.SHA256,
		Compressed: b.Compression == index.Zstd.String(), Safety: b.Safety, Parse: uint8(parse)}
}

// remoteErr makes the remote's integrity failures store integrity
// failures (exit 3) while keeping their own sentinel.
func remoteErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, remote.ErrIntegrity), errors.Is(err, remote.ErrPassphrase), errors.Is(err, remote.ErrNewer):
		return fmt.Errorf("%w (%w)", err, ErrIntegrity)
	}
	return err
}
