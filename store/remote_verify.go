package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/hatch-backup/hatch-backup/remote"
)

// ProblemRemote is a remote backup whose object is missing, does not
// authenticate (tampered, truncated, swapped), does not match the
// catalogue's sha256, or is a delta that does not decode with its base.
const ProblemRemote ProblemKind = "remote-damaged"

// VerifyRemote reads every backup the remote's catalogue names and
// checks it: its blob authenticates in its place and matches the
// catalogue's size and sha256, and its original bytes (a .zst
// decompressed, a delta decoded with its base, read from the remote)
// match the catalogue's sha256. The blobs of one pack come in one ranged
// GET. A catalogue that does not authenticate is an error (exit 3), not
// a list of problems. It changes nothing.
func VerifyRemote(ctx context.Context, r *remote.Remote, progress func(done, total int)) (VerifyResult, error) {
	var res VerifyResult
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return res, remoteErr(err)
	}
	byKey := keyed(cat.Entries)
	cache := originalsOf(nil)
	var (
		mu   sync.Mutex
		done atomic.Int64
	)
	report := func(e remote.Entry, err error) error {
		if !errors.Is(err, remote.ErrIntegrity) {
			return err
		}
		mu.Lock()
		res.Problems = append(res.Problems, Problem{Kind: ProblemRemote, Host: e.Host, Timestamp: e.Timestamp, Path: e.Object, Detail: err.Error()})
		mu.Unlock()
		return nil
	}
	groups := spans(cat.Entries)
	err = r.EachN(ctx, len(groups), pullReaders, func(ctx context.Context, g int) error {
		for i, stored := range fetchGroup(ctx, r, cat.Entries, groups[g]) {
			e := cat.Entries[i]
			err := stored.err
			if err == nil {
				_, err = cache.decode(ctx, r, byKey, e, stored.data, 0)
			}
			if err := report(e, err); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(int(done.Add(int64(len(groups[g])))), len(cat.Entries))
		}
		return nil
	})
	if err != nil {
		return res, remoteErr(err)
	}
	res.Checked = len(cat.Entries)
	sortProblems(res.Problems)
	return res, nil
}

// fetched is one entry's stored bytes, or why they could not be had.
type fetched struct {
	data []byte
	err  error
}

// fetchGroup reads the stored bytes of a group of entries (see spans):
// one ranged GET of their span, and when that fails, one per entry, so
// that damage is put on the backups it touches.
func fetchGroup(ctx context.Context, r *remote.Remote, es []remote.Entry, idx []int) map[int]fetched {
	out := make(map[int]fetched, len(idx))
	first := es[idx[0]]
	if len(idx) > 1 {
		lo, hi := first.Offset, first.Offset+first.Length
		for _, i := range idx[1:] {
			lo, hi = min(lo, es[i].Offset), max(hi, es[i].Offset+es[i].Length)
		}
		if span, err := r.ReadSpan(ctx, first.Object, lo, hi-lo); err == nil {
			for _, i := range idx {
				e := es[i]
				data, err := r.OpenSealed(e, span[e.Offset-lo:e.Offset-lo+e.Length])
				out[i] = fetched{data, err}
			}
			return out
		}
	}
	for _, i := range idx {
		data, err := remoteStored(ctx, r, es[i])
		out[i] = fetched{data, err}
	}
	return out
}
