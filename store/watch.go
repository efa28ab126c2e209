package store

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
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
