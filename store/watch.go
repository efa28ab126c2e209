package store

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
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
}

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
	return &Watcher{opts: opts, MinInterval: minInterval, last: map[string]*watchState{}}
}

// WatchEvent is the outcome of one Check.
type WatchEvent struct {
	// Kind is "backup" (a new backup was written), "skipped" (a change
	// left every server as it was, within MinInterval of the last backup:
	// Retry says when to look again) or "" (nothing to do: identical
	// bytes, or no config).
	Kind    string
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
	data, err := reader.readConfig(p)
	if errors.Is(err, ErrConfigMissing) {
		return WatchEvent{}, nil
	}
	if err != nil {
		return WatchEvent{}, err
	}
	sum := blob.Sum(data)
	prev := w.last[p]
	if prev != nil && prev.sum == sum {
		return WatchEvent{}, nil
	}
	servers, perr := h.Servers(data)
	if perr != nil {
		servers = nil
	}
	now := reader.now()
	var changes []ServerChange
	if prev != nil && prev.servers != nil && servers != nil {
		changes = DiffServers(prev.servers, servers)
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
	s, err := Open(ctx, w.opts)
	if err != nil {
		return Result{}, nil, err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	if first {
		before = s.lastServers(h, p)
	}
	res, err = s.Create(ctx, CreateOptions{Host: h.Name, ConfigPath: p, SkipUnchanged: true, Compress: w.Compress})
	return res, before, err
}

// lastServers parses the servers of h's latest backup of p; nil when there
// is none or it does not read or parse.
func (s *Store) lastServers(h Host, p string) map[string]string {
	b, err := s.latest(h.Name, func(r index.Record) bool { return r.OriginalPath == p })
	if err != nil {
		return nil
	}
	data, err := s.Read(b)
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
	return watch.Run(ctx, watch.Options{
		Targets:  targets,
		Debounce: o.Debounce,
		Changed: func(ctx context.Context, t watch.Target) time.Duration {
			ev, err := w.Check(ctx, t.Host, t.Path)
			if err != nil {
				o.Report(t.Host, ev, err)
				return WatchRetry
			}
			if ev.Kind != "" {
				o.Report(t.Host, ev, nil)
			}
			return ev.Retry
		},
		Problem: o.Problem,
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
