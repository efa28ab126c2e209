package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/remote"
)

// ProblemRemote is a remote backup whose object is missing, does not
// authenticate (tampered, truncated, swapped) or does not match the
// catalogue's sha256.
const ProblemRemote ProblemKind = "remote-damaged"

// VerifyRemote downloads every backup the remote's catalogue names and
// checks it: it authenticates under its own name and matches the
// catalogue's size and sha256. A catalogue that does not authenticate is
// an error (exit 3), not a list of problems. It changes nothing.
func VerifyRemote(ctx context.Context, r *remote.Remote, progress func(done, total int)) (VerifyResult, error) {
	var res VerifyResult
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return res, remoteErr(err)
	}
	var (
		mu   sync.Mutex
		done atomic.Int64
	)
	err = r.Each(ctx, len(cat.Entries), func(ctx context.Context, i int) error {
		e := cat.Entries[i]
		_, err := r.Download(ctx, e, blob.Sum)
		if errors.Is(err, remote.ErrIntegrity) {
			mu.Lock()
			res.Problems = append(res.Problems, Problem{Kind: ProblemRemote, Host: e.Host, Timestamp: e.Timestamp, Path: e.Object, Detail: err.Error()})
			mu.Unlock()
			err = nil
		}
		if err != nil {
			return err
		}
		if progress != nil {
			progress(int(done.Add(1)), len(cat.Entries))
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
