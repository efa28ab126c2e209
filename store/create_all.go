package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrSomeFailed: CreateAll backed up some hosts but not all; the failing
// hosts' HostResult.Err say why.
var ErrSomeFailed = errors.New("some hosts failed")

// CreateAllOptions configure CreateAll. The zero value backs up every host
// whose config exists, uncompressed.
type CreateAllOptions struct {
	Compress      bool
	SkipUnchanged bool
	// Progress, when set, is called after each host with the number done
	// and the total.
	Progress func(done, total int)
}

// HostResult is the outcome of one host in CreateAll.
type HostResult struct {
	Host       string
	ConfigPath string
	Result     Result
	Err        error // nil when the host was backed up (or skipped)
}

// CreateAll backs up every host whose config exists at its usual path, in
// host-table order. One host's failure does not stop the others: it is in
// its HostResult, and the error is ErrSomeFailed naming them. No config
// found at all is ErrConfigMissing. An interrupt stops at the next host.
func (s *Store) CreateAll(ctx context.Context, o CreateAllOptions) ([]HostResult, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	var todo []HostResult
	for _, h := range hostTable {
		p := h.ConfigPath(s.env)
		if _, err := s.fs.Stat(p); err == nil {
			todo = append(todo, HostResult{Host: h.Name, ConfigPath: p})
		}
	}
	if len(todo) == 0 {
		return nil, fmt.Errorf("no host config found (looked for %d hosts; see the hosts command): %w", len(hostTable), ErrConfigMissing)
	}
	var failed []string
	for i := range todo {
		if err := ctx.Err(); err != nil {
			return todo[:i], err
		}
		r := &todo[i]
		r.Result, r.Err = s.Create(ctx, CreateOptions{Host: r.Host, ConfigPath: r.ConfigPath, Compress: o.Compress, SkipUnchanged: o.SkipUnchanged})
		if r.Err != nil {
			failed = append(failed, r.Host)
		}
		if o.Progress != nil {
			o.Progress(i+1, len(todo))
		}
	}
	if err := ctx.Err(); err != nil {
		return todo, err
	}
	if len(failed) > 0 {
		return todo, fmt.Errorf("%w: %d of %d: %s", ErrSomeFailed, len(failed), len(todo), strings.Join(failed, ", "))
	}
	return todo, nil
}
