package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/watch"
)

// Watcher backs up configs as a watch sees them change. It keeps, per
// config, the sha256 and servers of its last backup in memory, so that a
// change to identical bytes costs one read of the config and nothing else
// (no store open, no read of an old backup), and opens the store (taking
// its lock) only to write a backup: compact and reindex run meanwhile.
type Watcher struct {
	opts Options
	// MinInterval bounds how often a change that leaves every server
	// entry as it was is backed up.
	MinInterval time.Duration
	// Compress stores the watch's backups zstd-compressed.
	Compress bool
	last     map[string]*watchState

	mu sync.Mutex // guards plain and compacting
	// plain counts, per config (host and path), the plain backups since
	// the last background compaction of its host began (at the first
	// backup a watch writes, those the index holds, up to CompactAt).
	plain map[watchKey]int
	// compacting: the hosts whose background compaction runs.
	compacting map[string]bool
	bg         sync.WaitGroup
	// writing keeps the watch's own backups and its background
	// compaction's batches apart within the process: a backup waits for
	// the batch in flight (short) instead of failing on the store lock
	// with --lock-timeout 0.
	writing sync.Mutex
}

// watchKey is one config a watch backs up.
type watchKey struct{ host, path string }

// CompactAt is how many plain backups of one config a watch lets gather
// before it runs compact --delta for its host in the background: at most
// CompactAt-1 full copies of a config (and its newest) stay plain.
const CompactAt = 16

// countScanMax bounds the records the first count of a config looks at
// (a host with other configs of long histories): a count cut short only
// starts the first compaction later.
const countScanMax = 4096

// watchState is what the watcher knows of one config's last backup.
type watchState struct {
	sum     [32]byte
	servers map[string]string // nil: it did not parse
	at      time.Time
}

// NewWatcher returns a Watcher that opens the store with opts for each
// backup.
func NewWatcher(opts Options, minInterval time.Duration) *Watcher {
	opts.UpgradingReader = false
	return &Watcher{opts: opts, MinInterval: minInterval, last: map[string]*watchState{},
		plain: map[watchKey]int{}, compacting: map[string]bool{}}
}

// WatchEvent is the outcome of one Check.
type WatchEvent struct {
	// Kind is "backup" (a new backup was written), "skipped" (a change
	// left every server as it was, within MinInterval of the last backup:
	// Retry says when to look again), "compact" (a background compaction
	// of the host ended: Compact says what it did) or "" (nothing to do:
	// identical bytes, or no config).
	Kind    string
	Compact CompactResult
	Backup  Backup
	Servers []ServerChange
	// Removed: servers disappeared (restore --servers brings them back).
	Removed bool
	Retry   time.Duration
}

// Check looks at host's config at p and backs it up when it changed.
// The backup, once begun, completes even when ctx is cancelled: a watch
// stopped by a signal leaves it durable.
func (w *Watcher) Check(ctx context.Context, host, p string) (WatchEvent, error) {
	h, err := LookupHost(host)
	if err != nil {
		return WatchEvent{}, err
	}
	if p, err = filepath.Abs(p); err != nil {
		return WatchEvent{}, err
	}
	reader := newStore(w.opts) // unopened: only its file-system seam is used
	// A config over MaxParseSize gives its sha256 only (read as a stream):
	// its servers are unknown, and its changes are backed up at the
	// MinInterval pace, as those that leave the servers as they were.
	sum, data, err := reader.configForServers(p)
	if errors.Is(err, ErrConfigMissing) {
		return WatchEvent{}, nil
	}
	if err != nil {
		return WatchEvent{}, err
	}
	prev := w.last[p]
	if prev != nil && prev.sum == sum {
		return WatchEvent{}, nil
	}
	huge := data == nil
	var servers map[string]string
	if !huge {
		if servers, err = h.Servers(data); err != nil {
			servers = nil
		}
	}
	now := reader.now()
	var changes []ServerChange
	if prev != nil && (huge || prev.servers != nil && servers != nil) {
		if !huge {
			changes = DiffServers(prev.servers, servers)
		}
		if len(changes) == 0 && w.MinInterval > 0 {
			if since := now.Sub(prev.at); since >= 0 && since < w.MinInterval {
				return WatchEvent{Kind: "skipped", Retry: w.MinInterval - since}, nil
			}
		}
	}
	res, before, err := w.write(context.WithoutCancel(ctx), h, p, prev == nil)
	if err != nil {
		return WatchEvent{}, err
	}
	if prev == nil && before != nil && servers != nil {
		// The first look since the watch started: compared with the last
		// backup, so that servers lost while no watch ran are named too.
		changes = DiffServers(before, servers)
	}
	w.last[p] = &watchState{sum: res.Backup.SHA256, servers: servers, at: now}
	if res.Backup.SHA256 != sum {
		// The config changed again between the two reads: look again.
		w.last[p].servers = nil
		return WatchEvent{Kind: "backup", Backup: res.Backup, Retry: time.Millisecond}, nil
	}
	if res.Skipped {
		return WatchEvent{}, nil
	}
	ev := WatchEvent{Kind: "backup", Backup: res.Backup, Servers: changes}
	for _, c := range changes {
		ev.Removed = ev.Removed || c.Change == "removed"
	}
	return ev, nil
}

// write opens the store, backs up h's config at p (skip-unchanged) and
// closes the store again. With first, it also returns the servers of the
// latest backup of p before this one (nil when unknown): the one read of
// an old backup a watch makes per config, at its first look.
func (w *Watcher) write(ctx context.Context, h Host, p string, first bool) (res Result, before map[string]string, err error) {
	w.writing.Lock()
	defer w.writing.Unlock()
	s, err := Open(ctx, w.opts)
	if err != nil {
		return Result{}, nil, err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	if first {
		before = s.lastServers(h, p)
	}
	res, err = s.Create(ctx, CreateOptions{Host: h.Name, ConfigPath: p, SkipUnchanged: true, Compress: w.Compress})
	if err == nil && !res.Skipped && res.Backup.Compression == "none" {
		w.countPlain(s, watchKey{h.Name, p})
	}
	return res, before, err
}

// countPlain counts a new plain backup of k. At k's first, it counts those
// the index holds instead, newest first, up to CompactAt and only back to
// the newest backup of k that is not plain (what an earlier compaction
// left): a cheap look, whatever the host's history.
func (w *Watcher) countPlain(s *Store, k watchKey) {
	w.mu.Lock()
	n, known := w.plain[k]
	w.mu.Unlock()
	if !known {
		n = s.plainSince(k, CompactAt)
	} else {
		n++
	}
	w.mu.Lock()
	w.plain[k] = n
	w.mu.Unlock()
}

// errStopCount ends plainSince's listing.
var errStopCount = errors.New("stop")

// plainSince counts k's plain backups, newest first, up to limit, stopping
// at the first one that is not plain (or after countScanMax records).
func (s *Store) plainSince(k watchKey, limit int) int {
	n, seen := 0, 0
	_ = s.db.List(index.Query{Hosts: []string{k.host}}, func(r index.Record) error {
		if seen++; seen > countScanMax {
			return errStopCount
		}
		if r.OriginalPath != k.path {
			return nil
		}
		if r.Compression != index.None {
			return errStopCount
		}
		if n++; n >= limit {
			return errStopCount
		}
		return nil
	})
	return n
}

// compactDue says whether host has a config with CompactAt plain backups
// and no background compaction running; when so, it marks one as running
// and starts the count of every config of host again.
func (w *Watcher) compactDue(host string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.compacting[host] {
		return false
	}
	due := false
	for k, n := range w.plain {
		due = due || (k.host == host && n >= CompactAt)
	}
	if !due {
		return false
	}
	for k := range w.plain {
		if k.host == host {
			w.plain[k] = 0
		}
	}
	w.compacting[host] = true
	return true
}

// startCompact runs compact --delta of host in the background and calls
// report with its outcome (an error is retried once CompactAt new plain
// backups gathered again). It stops at the next backup when ctx is done:
// what it switched is complete and indexed, and Wait waits for it.
func (w *Watcher) startCompact(ctx context.Context, host string, report func(WatchEvent, error)) {
	w.bg.Add(1)
	go func() {
		defer w.bg.Done()
		res, err := w.compactHost(ctx, host)
		w.mu.Lock()
		w.compacting[host] = false
		w.mu.Unlock()
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			err = nil // stopped by the watch's end: what is done is sound
		}
		if err != nil {
			report(WatchEvent{Kind: "compact", Compact: res}, err)
		} else if len(res.Deltas)+len(res.Compressed) > 0 {
			report(WatchEvent{Kind: "compact", Compact: res}, nil)
		}
	}()
}

// compactBatch opens the store, runs one batch of host's compaction and
// closes the store again.
func (w *Watcher) compactBatch(ctx context.Context, host string, done map[string]bool, res *CompactResult) (more bool, err error) {
	w.writing.Lock()
	defer w.writing.Unlock()
	s, err := Open(ctx, w.opts)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	return s.compactHostBatch(ctx, host, done, res)
}

// Wait waits for a background compaction to end.
func (w *Watcher) Wait() { w.bg.Wait() }

// compactPause is how long a background compaction leaves the store
// unlocked between two batches: a writer waiting for the lock (watch's
// own next backup, another command polling) gets in.
const compactPause = 50 * time.Millisecond

// compactHost re-encodes host's plain backups as compact --delta does, a
// batch at a time, each batch under the store lock (opened for it and
// closed after).
func (w *Watcher) compactHost(ctx context.Context, host string) (CompactResult, error) {
	var res CompactResult
	done := map[string]bool{}
	for {
		more, err := w.compactBatch(ctx, host, done, &res)
		if err != nil || !more {
			return res, partial(res, err)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(compactPause):
		}
	}
}

// lastServers parses the servers of h's latest backup of p; nil when there
// is none or it does not read or parse.
func (s *Store) lastServers(h Host, p string) map[string]string {
	b, err := s.latest(h.Name, func(r index.Record) bool { return r.OriginalPath == p })
	if err != nil {
		return nil
	}
	data, err := s.readParsable(b) // a huge backup's servers are unknown
	if err != nil {
		return nil
	}
	servers, err := h.Servers(data)
	if err != nil {
		return nil
	}
	return servers
}

// CheckOutsideRoot is CheckOutside for a store that is not open: for
// writers of files outside the store that need no lock (watch --install
// writing its service definition).
func CheckOutsideRoot(root, path string) error {
	return newStore(Options{Root: root}).CheckOutside(path)
}

// WatchRetry is when a failed backup is tried again without a change (a
// config unreadable for a moment, a store locked past the lock timeout).
const WatchRetry = 30 * time.Second

// WatchOptions configure Watcher.Run.
type WatchOptions struct {
	// Hosts are the hosts whose configs (at their usual paths) are
	// watched; none means every host.
	Hosts []string
	// Debounce is how long a config must see no event before it is
	// looked at: a burst of writes gives one backup.
	Debounce time.Duration
	// Report is called after each look that did something (ev.Kind set)
	// and after each that failed (err set, retried at the next change or
	// after WatchRetry); the watch goes on either way.
	Report func(host string, ev WatchEvent, err error)
	// Problem reports a failure of the watching itself (a folder that
	// cannot be watched); the watch goes on.
	Problem func(err error)
}

// Run watches the configs of o.Hosts by file-system events (package
// watch) and backs each up through Check as it settles, until ctx is
// done; then it returns nil once a backup in flight is durable. An error
// only for an unknown host or when no watch can be started at all.
func (w *Watcher) Run(ctx context.Context, o WatchOptions) error {
	targets, err := w.targets(o.Hosts)
	if err != nil {
		return err
	}
	var mu sync.Mutex // the background compactions report too
	report := func(host string, ev WatchEvent, err error) {
		mu.Lock()
		defer mu.Unlock()
		o.Report(host, ev, err)
	}
	defer w.Wait()
	return watch.Run(ctx, watch.Options{
		Targets:  targets,
		Debounce: o.Debounce,
		Changed: func(ctx context.Context, t watch.Target) time.Duration {
			ev, err := w.Check(ctx, t.Host, t.Path)
			if err != nil {
				report(t.Host, ev, err)
				return WatchRetry
			}
			if ev.Kind != "" {
				report(t.Host, ev, nil)
			}
			if ev.Kind == "backup" && w.compactDue(t.Host) {
				w.startCompact(ctx, t.Host, func(ev WatchEvent, err error) { report(t.Host, ev, err) })
			}
			return ev.Retry
		},
		Problem: func(err error) {
			if o.Problem == nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			o.Problem(err)
		},
	})
}

// targets are the configs to watch: each host's usual path, or every
// host's.
func (w *Watcher) targets(hosts []string) ([]watch.Target, error) {
	if len(hosts) == 0 {
		hosts = HostNames()
	}
	env := DefaultEnv()
	if w.opts.Env != nil {
		env = *w.opts.Env
	}
	var out []watch.Target
	for _, name := range hosts {
		h, err := LookupHost(name)
		if err != nil {
			return nil, err
		}
		p, err := filepath.Abs(h.ConfigPath(env))
		if err != nil {
			return nil, err
		}
		out = append(out, watch.Target{Host: h.Name, Path: p})
	}
	return out, nil
}
