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
}

// Verdict is one backup and what Clean decided about it.
type Verdict struct {
	Backup
	Reason string // "newest of cursor", "older than 30 days", ...
}

// CleanResult lists every backup Clean judged: by host, newest first.
type CleanResult struct {
	Kept    []Verdict
	Removed []Verdict // with DryRun: would be removed
	DryRun  bool
}

// Clean removes the backups the retention policy does not keep. It decides
// from the index alone, under the store lock it holds for the whole
// operation, so a backup created meanwhile (its create waits for the lock)
// is never judged, let alone removed. It removes the index entries first,
// all in one transaction, then the files, then fsyncs each host folder:
// an index entry never outlives its file. A file that cannot be removed
// after its entry went is reported by name in the error; it is then an
// unindexed backup, which verify reports and reindex adopts.
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
	horizon := s.horizon()
	decisions, records, err := s.decide(o, horizon)
	if err != nil {
		return res, err
	}
	var gone []index.Record
	for _, d := range decisions {
		r := records[d.ID]
		v := Verdict{Backup: s.backupBefore(r, horizon), Reason: d.Reason}
		if d.Keep {
			res.Kept = append(res.Kept, v)
		} else {
			res.Removed = append(res.Removed, v)
			gone = append(gone, r)
		}
	}
	if o.DryRun || len(gone) == 0 {
		return res, nil
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	// No delta outlives its base: the kept backups that need a base
	// about to go are stored whole first, each under the write protocol.
	if err := s.rescueDependents(ctx, o.Hosts, gone); err != nil {
		return res, err
	}
	if err := s.db.DeleteMany(gone); err != nil {
		return res, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	return res, s.removeFiles(res.Removed, o.Progress)
}

// decide judges the indexed backups of o.Hosts; records maps each
// decision's ID (the record's File, unique in a root) to its record. A
// future-dated backup (Backup.Future) is passed to retention as such: it
// is kept, and the newest are counted among the others.
func (s *Store) decide(o CleanOptions, horizon time.Time) ([]retention.Decision, map[string]index.Record, error) {
	records := map[string]index.Record{}
	var items []retention.Item
	if s.db != nil {
		err := s.db.List(index.Query{Hosts: o.Hosts}, func(r index.Record) error {
			records[r.File] = r
			items = append(items, retention.Item{ID: r.File, Host: r.Host, Created: r.Created,
				Unparsable: r.Parse == index.Unparsable, Safety: r.Safety, Future: r.Created.After(horizon)})
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("index %s: %w", s.indexPath(), err)
		}
	}
	decisions, err := retention.Decide(items, o.Policy, horizon.Add(-FutureSlack), s.loc)
	if err != nil {
		return nil, nil, invalid{err}
	}
	return decisions, records, nil
}

// removeFiles removes the files of backups whose index entries are gone,
// then fsyncs their folders. It goes on past a failure: every file it can
// remove, it removes; the error names each one left behind.
func (s *Store) removeFiles(removed []Verdict, progress func(done, total int)) error {
	var errs []error
	var dirs []string
	for i, v := range removed {
		if err := s.fs.Remove(v.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("backup %s: removed from the index, but not from disk (%w); it is now an unindexed backup: verify reports it, reindex adopts it", v.Path, err))
		}
		if dir := filepath.Dir(v.Path); !slices.Contains(dirs, dir) {
			dirs = append(dirs, dir)
		}
		if progress != nil {
			progress(i+1, len(removed))
		}
	}
	for _, dir := range dirs {
		if err := s.fs.SyncDir(dir); err != nil {
			errs = append(errs, fmt.Errorf("backup folder %s: sync after removals: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}

// invalid marks a retention policy error as ErrInvalid, keeping its
// message (which names the flag at fault).
type invalid struct{ error }

func (e invalid) Unwrap() []error { return []error{e.error, ErrInvalid} }

// rescueDependents stores whole (.zst) every kept delta of hosts whose base
// is among gone, before gone is removed. Bases are newer than their
// deltas, so a clean that removes the oldest backups rarely has any.
func (s *Store) rescueDependents(ctx context.Context, hosts []string, gone []index.Record) error {
	type key struct{ host, ts string }
	going := make(map[key]bool, len(gone))
	for _, r := range gone {
		going[key{r.Host, r.Timestamp}] = true
	}
	var orphans, whole []index.Record
	err := s.db.List(index.Query{Hosts: hosts}, func(r index.Record) error {
		if r.Compression == index.Delta && going[key{r.Host, r.Base}] && !going[key{r.Host, r.Timestamp}] {
			orphans = append(orphans, r)
		}
		if r.Compression == index.Zstd && !going[key{r.Host, r.Timestamp}] {
			whole = append(whole, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	// A .delta left beside a .zst by an earlier clean killed half-way
	// goes now, while its base is still there to prove it a copy.
	if err := s.removeDeltaTwins(whole); err != nil {
		return err
	}
	for _, r := range orphans {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.storeWhole(r); err != nil {
			return fmt.Errorf("%w (nothing was removed)", err)
		}
	}
	return nil
}

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
