package store

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// forEach runs fn(0) ... fn(n-1) on every core and returns the first error
// (or ctx's); after one, no new call starts. The calls must be independent:
// verify and adoption use it for the read and hash of each file, which on
// a store of small files are bound by system calls.
func forEach(ctx context.Context, n int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next  atomic.Int64
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n && ctx.Err() == nil; i = int(next.Add(1)) - 1 {
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}
