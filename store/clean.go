package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/retention"
)

// Policy is a retention policy (see package retention): which backups
// are removal candidates and which are kept anyway.
type Policy = retention.Policy

// CleanOptions select what Clean removes. The zero Policy sets no removal
// criterion and is refused.
type CleanOptions struct {
	// Hosts limits Clean to these hosts; none means every host. Each host
	// is judged on its own either way.
	Hosts  []string
	Policy Policy
	// DryRun decides and reports, and changes nothing.
	DryRun bool
	// Progress, when set, is called as backup files are removed.
	Progress func(done, total int)
	// Each, when set, receives every verdict (removed says which list it
	// belongs to) instead of CleanResult's Kept and Removed, which then
	// stay empty: Clean's memory then does not grow with the number of
	// backups. A removed verdict comes once its batch is gone, index
	// entries and files (with DryRun, once decided). An error from Each
	// stops Clean and is returned.
	Each func(v Verdict, removed bool) error
	// KeptFirst makes Each receive every kept verdict before any removed
	// one (each kind by host, newest first), as clean --json writes its
	// two arrays. Otherwise verdicts come by host, newest first, mixed.
	KeptFirst bool
}

// Verdict is one backup and what Clean decided about it.
type Verdict struct {
	Backup
	Reason string // "newest of cursor", "older than 30 days", ...
}

// CleanResult lists every backup Clean judged: by host, newest first.
type CleanResult struct {
	// Kept and Removed hold the verdicts when CleanOptions.Each is nil.
	Kept    []Verdict
	Removed []Verdict // with DryRun: would be removed
	// KeptCount and RemovedCount count them in any case.
	KeptCount, RemovedCount int
	DryRun                  bool
}

// cleanBatch is how many backups Clean reads from the index at a time
// while it removes, and so the most it removes in one index transaction:
// what it holds in memory is bounded by it, whatever the number of
// backups. After each batch the index's mapped pages are released, so
// the pages it read and wrote do not pile up in memory. At 1,000,000
// backups (index only, keeping 10 a host), peak RSS was 33-39 MiB with
// 9000 and no release after the removal, 26-28 MiB with 4500 and the
// release, in the same time. A variable only so that tests can cross
// batch boundaries with a few backups.
var cleanBatch = 4500

// Clean removes the backups the retention policy does not keep. It decides
// from the index alone, under the store lock it holds for the whole
// operation, so a backup created meanwhile (its create waits for the lock)
// is never judged, let alone removed.
//
// It streams the index host by host, newest first, judging each backup as
// it comes (retention.Judge): a first pass decides and counts, a second
// one decides again (the same way: nothing it reads changed) and removes
// a batch at a time: the batch's index entries first, in one transaction,
// then its files, then it fsyncs their folder, so an index entry never
// outlives its file. A file that cannot be removed after its entry went
// is reported by name in the error; it is then an unindexed backup,
// which verify reports and reindex adopts.
//
// Before any removal, each kept delta whose base is to be removed is
// re-encoded whole (.zst), crash-safely (see switchForm): a crash leaves
// it readable in its old or its new form, its base still there.
//
// A negative policy value or a policy without a removal criterion is
// ErrInvalid (the message names the flag), before anything is read.
func (s *Store) Clean(ctx context.Context, o CleanOptions) (CleanResult, error) {
	res := CleanResult{DryRun: o.DryRun}
	if err := o.Policy.Validate(); err != nil {
		return res, invalid{err}
	}
	if err := s.validQuery(Query{Hosts: o.Hosts}); err != nil {
		return res, err
	}
	if !o.DryRun {
		if err := s.writable(); err != nil {
			return res, err
		}
	}
	if s.db == nil {
		return res, nil
	}
	c := &cleaner{s: s, o: o, res: &res, horizon: s.horizon()}
	hosts := cleanHosts(o.Hosts)
	for _, h := range hosts {
		if err := c.plan(h); err != nil {
			return res, err
		}
	}
	if !o.DryRun && res.RemovedCount > 0 {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		// No delta outlives its base: the kept backups that need a base
		// about to go are stored whole first, each under the write protocol.
		if err := c.rescue(ctx, hosts); err != nil {
			return res, err
		}
	}
	if res.RemovedCount == 0 && (o.Each == nil || o.KeptFirst) {
		return res, nil // every verdict is out
	}
	for _, h := range hosts {
		if err := c.sweep(ctx, h); err != nil {
			if len(c.fileErrs) == 0 {
				return res, err // unchanged: it may be Each's own
			}
			return res, errors.Join(append(c.fileErrs, err)...)
		}
	}
	return res, errors.Join(c.fileErrs...)
}

// cleanHosts are the hosts Clean judges, in the order retention reports
// them (by name).
func cleanHosts(only []string) []string {
	hosts := slices.Clone(only)
	if len(hosts) == 0 {
		hosts = HostNames()
	}
	slices.Sort(hosts)
	return slices.Compact(hosts)
}

// cleaner is one run of Clean.
type cleaner struct {
	s       *Store
	o       CleanOptions
	res     *CleanResult
	horizon time.Time
	// keptBases are the bases of kept deltas (by host and timestamp):
	// only a delta store has any.
	keptBases map[hostStamp]bool
	twins     []index.Record // kept .zst backups with a .delta beside them
	done      int            // files removed so far, for Progress
	fileErrs  []error        // files left behind after their entry went
}

type hostStamp struct{ host, ts string }

func (c *cleaner) judge() (*retention.Judge, error) {
	j, err := retention.NewJudge(c.o.Policy, c.horizon.Add(-FutureSlack), c.s.loc)
	if err != nil {
		return nil, invalid{err}
	}
	return j, nil
}

func (c *cleaner) item(r index.Record) retention.Item {
	return retention.Item{ID: r.File, Host: r.Host, Created: r.Created,
		Unparsable: r.Parse == index.Unparsable, Safety: r.Safety, Future: r.Created.After(c.horizon)}
}

func (c *cleaner) verdict(r index.Record, d retention.Decision) Verdict {
	return Verdict{Backup: c.s.backupBefore(r, c.horizon), Reason: d.Reason}
}

// plan is the first pass over host: it counts, reports the kept backups
// when they come first, and notes what the rescue needs.
func (c *cleaner) plan(host string) error {
	j, err := c.judge()
	if err != nil {
		return err
	}
	return c.s.walkHost(host, func(r index.Record) error {
		d := j.Next(c.item(r))
		if !d.Keep {
			c.res.RemovedCount++
			return nil
		}
		c.res.KeptCount++
		if r.Compression == index.Delta && r.Base != "" {
			if c.keptBases == nil {
				c.keptBases = map[hostStamp]bool{}
			}
			c.keptBases[hostStamp{r.Host, r.Base}] = true
		}
		if r.Compression == index.Zstd && !c.o.DryRun && c.hasDeltaTwin(r) {
			c.twins = append(c.twins, r)
		}
		switch {
		case c.o.Each == nil:
			c.res.Kept = append(c.res.Kept, c.verdict(r, d))
		case c.o.KeptFirst:
			return c.o.Each(c.verdict(r, d), false)
		}
		return nil
	}, nil)
}

// hasDeltaTwin reports whether a .delta of kept .zst backup r is there:
// an earlier clean killed half-way left it.
func (c *cleaner) hasDeltaTwin(r index.Record) bool {
	p := strings.TrimSuffix(c.s.backupOf(r).Path, blob.ZstdSuffix) + blob.DeltaSuffix
	_, err := c.s.fs.Lstat(p)
	return err == nil
}

// rescue removes the .delta twins of kept .zst backups (while their base
// is still there to prove them copies), then stores whole (.zst) every
// kept delta whose base is to be removed. Bases are newer than their
// deltas, so a clean that removes the oldest backups rarely has any; only
// a store with kept deltas is read again for them.
func (c *cleaner) rescue(ctx context.Context, hosts []string) error {
	if err := c.s.removeDeltaTwins(c.twins); err != nil {
		return err
	}
	if len(c.keptBases) == 0 {
		return nil
	}
	going, err := c.goingBases(hosts)
	if err != nil || len(going) == 0 {
		return err
	}
	var orphans []index.Record
	for _, h := range hosts {
		j, err := c.judge()
		if err != nil {
			return err
		}
		err = c.s.walkHost(h, func(r index.Record) error {
			if d := j.Next(c.item(r)); d.Keep && r.Compression == index.Delta && going[hostStamp{r.Host, r.Base}] {
				orphans = append(orphans, r)
			}
			return nil
		}, nil)
		if err != nil {
			return err
		}
	}
	for _, r := range orphans {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.s.storeWhole(r); err != nil {
			return fmt.Errorf("%w (nothing was removed)", err)
		}
	}
	return nil
}

// goingBases are the bases of kept deltas that are to be removed.
func (c *cleaner) goingBases(hosts []string) (map[hostStamp]bool, error) {
	going := map[hostStamp]bool{}
	for _, h := range hosts {
		j, err := c.judge()
		if err != nil {
			return nil, err
		}
		err = c.s.walkHost(h, func(r index.Record) error {
			if k := (hostStamp{r.Host, r.Timestamp}); !j.Next(c.item(r)).Keep && c.keptBases[k] {
				going[k] = true
			}
			return nil
		}, nil)
		if err != nil {
			return nil, err
		}
	}
	return going, nil
}

// pendingVerdict is a verdict waiting for its batch to be removed: its
// record and reason only (the Verdict is made when it is reported), so a
// batch holds as little as it can.
type pendingVerdict struct {
	r       index.Record
	reason  string
	removed bool
}

// sweep is the second pass over host: it decides again and removes a
// batch at a time (see Clean), reporting each verdict once it is true.
func (c *cleaner) sweep(ctx context.Context, host string) error {
	j, err := c.judge()
	if err != nil {
		return err
	}
	var pending []pendingVerdict
	each := func(r index.Record) error {
		d := j.Next(c.item(r))
		if !d.Keep || (c.o.Each != nil && !c.o.KeptFirst) {
			pending = append(pending, pendingVerdict{r, d.Reason, !d.Keep})
		}
		return nil
	}
	flush := func() error {
		if err := c.remove(ctx, pending); err != nil {
			return err
		}
		// The page's listing, and the removal's transaction, touched
		// pages all over the index: let the kernel drop them from this
		// process before the next page.
		c.s.db.ReleasePages()
		for _, p := range pending {
			if err := c.report(p); err != nil {
				return err
			}
		}
		pending = pending[:0]
		return nil
	}
	return c.s.walkHost(host, each, flush)
}

// remove removes the batch's removed backups: their index entries in one
// transaction, then their files, then it fsyncs their folders.
func (c *cleaner) remove(ctx context.Context, pending []pendingVerdict) error {
	var gone []index.Record
	for _, p := range pending {
		if p.removed {
			gone = append(gone, p.r)
		}
	}
	if c.o.DryRun || len(gone) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.s.db.DeleteMany(gone); err != nil {
		return fmt.Errorf("index %s: %w", c.s.indexPath(), err)
	}
	paths := make([]string, len(gone))
	for i, r := range gone {
		paths[i] = c.s.backupBefore(r, c.horizon).Path
	}
	c.fileErrs = append(c.fileErrs, c.s.removeFiles(paths, c.progress)...)
	return nil
}

func (c *cleaner) progress() {
	c.done++
	if c.o.Progress != nil {
		c.o.Progress(c.done, c.res.RemovedCount)
	}
}

func (c *cleaner) report(p pendingVerdict) error {
	v := Verdict{Backup: c.s.backupBefore(p.r, c.horizon), Reason: p.reason}
	if c.o.Each != nil {
		return c.o.Each(v, p.removed)
	}
	if p.removed {
		c.res.Removed = append(c.res.Removed, v)
	}
	return nil
}

// walkHost calls fn for each indexed backup of host, newest first. With
// flush, a page of cleanBatch at a time, each page read in a transaction
// of its own, and then flush, outside any transaction: flush may write to
// the index. A page resumes below the last instant of the one before, so
// entries removed meanwhile do not disturb it. Without flush, in one
// listing.
func (s *Store) walkHost(host string, fn func(index.Record) error, flush func() error) error {
	if flush == nil {
		var fnErr error
		err := s.db.List(index.Query{Hosts: []string{host}}, func(r index.Record) error {
			fnErr = fn(r)
			return fnErr
		})
		if fnErr != nil {
			return fnErr // fn's own, unchanged
		}
		if err != nil {
			return fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
		return nil
	}
	var until time.Time // zero: no bound
	for {
		n := 0
		var last time.Time
		var fnErr error
		err := s.db.List(index.Query{Hosts: []string{host}, Until: until, Limit: cleanBatch}, func(r index.Record) error {
			n++
			last = r.Created
			fnErr = fn(r)
			return fnErr
		})
		if fnErr != nil {
			return fnErr // fn's own, unchanged
		}
		if err != nil {
			return fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
		if flush != nil {
			if err := flush(); err != nil {
				return err
			}
		}
		if n < cleanBatch {
			return nil
		}
		until = last.Add(-time.Microsecond)
	}
}

// removeFiles removes the files of backups whose index entries are gone,
// then fsyncs their folders. It goes on past a failure: every file it can
// remove, it removes; it returns an error naming each one left behind.
func (s *Store) removeFiles(paths []string, progress func()) []error {
	var errs []error
	var dirs []string
	for _, p := range paths {
		if err := s.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("backup %s: removed from the index, but not from disk (%w); it is now an unindexed backup: verify reports it, reindex adopts it", p, err))
		}
		if dir := filepath.Dir(p); !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		progress()
	}
	for _, dir := range dirs {
		if err := s.fs.SyncDir(dir); err != nil {
			errs = append(errs, fmt.Errorf("backup folder %s: sync after removals: %w", dir, err))
		}
	}
	return errs
}

// invalid marks a retention policy error as ErrInvalid, keeping its
// message (which names the flag at fault).
type invalid struct{ error }

func (e invalid) Unwrap() []error { return []error{e.error, ErrInvalid} }

// storeWhole re-encodes delta r as a .zst of its own.
func (s *Store) storeWhole(r index.Record) error {
	b := s.backupOf(r)
	data, err := s.Read(b)
	if err != nil {
		return err
	}
	z := blob.Compress(data)
	nr := r
	nr.File = strings.TrimSuffix(r.File, blob.DeltaSuffix) + blob.ZstdSuffix
	nr.StoredSize, nr.Compression, nr.Base = int64(len(z)), index.Zstd, ""
	if err := s.checkZstd(nr, z); err != nil {
		return fmt.Errorf("compress %s: %w", b.Path, err)
	}
	return s.switchForm(r, nr, z)
}
