package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestConcurrentStoreOps: in one process, creates (on a fresh root),
// lists, verifies and reindexes run at once, each through its own Open.
// Every create succeeds or is ErrLocked; every list sees a consistent
// store (each listed backup reads back); verify never sees a problem;
// reindex never drops or rewrites a backup a create acknowledged. The
// fixture's invariant check runs at the end.
func TestConcurrentStoreOps(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"mcpServers": {}}`))
	const workers = 8
	const rounds = 5
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		wg    sync.WaitGroup
	)
	errs := make(chan error, workers*rounds*4)
	ctx := context.Background()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				var err error
				switch w % 4 {
				case 0, 1:
					var b Backup
					if b, err = f.tryCreate(ctx, p, w%2 == 1); err == nil {
						mu.Lock()
						acked[b.Path] = true
						mu.Unlock()
					}
				case 2:
					err = f.tryListAndVerify(ctx)
				case 3:
					var res ReindexResult
					res, err = Reindex(ctx, f.opts, ReindexOptions{})
					if errors.Is(err, ErrConfigMissing) {
						err = nil // no root yet
					} else if err == nil && (len(res.Dropped) > 0 || len(res.Problems) > 0) {
						err = fmt.Errorf("reindex during creates: dropped %d, problems %v", len(res.Dropped), res.Problems)
					}
				}
				if err != nil && !errors.Is(err, ErrLocked) {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	listed := map[string]bool{}
	for _, b := range f.all() {
		listed[b.Path] = true
	}
	for p := range acked {
		if !listed[p] {
			t.Errorf("acknowledged %s is not listed", p)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(f.root, "cursor"))
	if len(entries) != len(listed) || len(acked) == 0 {
		t.Errorf("%d files, %d listed, %d acknowledged", len(entries), len(listed), len(acked))
	}
}

func (f *fixture) tryCreate(ctx context.Context, p string, compress bool) (Backup, error) {
	s, err := Open(ctx, f.opts)
	if err != nil {
		return Backup{}, err
	}
	defer s.Close()
	res, err := s.Create(ctx, CreateOptions{Host: "cursor", ConfigPath: p, Compress: compress})
	return res.Backup, err
}

func (f *fixture) tryListAndVerify(ctx context.Context) error {
	o := f.opts
	o.Inspect = true
	s, err := Open(ctx, o)
	if err != nil {
		return err
	}
	defer s.Close()
	for b, err := range s.List(ctx, Query{}) {
		if err != nil {
			return err
		}
		if _, err := s.Read(b); err != nil {
			return fmt.Errorf("list during create: %w", err)
		}
	}
	v, err := s.Verify(ctx, VerifyOptions{})
	if errors.Is(err, ErrConfigMissing) {
		return nil // no root yet when it opened
	}
	if err == nil && len(v.Problems) > 0 {
		err = fmt.Errorf("verify during create: %v", v.Problems)
	}
	return err
}
