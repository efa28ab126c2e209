package store

import (
	"context"
	"slices"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/retention"
)

// RemoteOrphanGrace is how old an object that no catalogue segment names
// must be before clean --remote deletes it: a push killed midway leaves
// such packs, and so does a push still running on another machine, whose
// packs get their segment only at its end. A day is far longer than any
// push.
const RemoteOrphanGrace = 24 * time.Hour

// repackBelow: a pack whose live blobs take less than this share of it
// is rewritten by clean --remote (restic's prune does the same).
const repackBelow = 0.5

// CleanRemote applies o's retention policy to the remote's catalogue as
// Clean does to the index, with this store's clock and zone. Before a
// base is removed, each kept delta made against it is sent again whole
// (zstd), as local clean does. Packs left mostly dead are repacked: their
// live blobs go into new packs. One catalogue segment then records all
// of it (removed, added, replaced), and only after it is written are the
// objects that no entry names any more deleted, with those that no
// segment ever named (a killed push) once older than RemoteOrphanGrace.
// A push from a machine that still holds a removed backup does not
// upload it again. Verdict paths are object names.
func (s *Store) CleanRemote(ctx context.Context, r *remote.Remote, o CleanOptions) (CleanResult, error) {
	res := CleanResult{DryRun: o.DryRun}
	if err := o.Policy.Validate(); err != nil {
		return res, invalid{err}
	}
	if err := s.validQuery(Query{Hosts: o.Hosts}); err != nil {
		return res, err
	}
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return res, remoteErr(err)
	}
	horizon := s.horizon()
	byID := map[string]remote.Entry{}
	var items []retention.Item
	for _, e := range cat.Entries {
		if len(o.Hosts) > 0 && !slices.Contains(o.Hosts, e.Host) {
			continue
		}
		byID[e.ID()] = e
		items = append(items, retention.Item{ID: e.ID(), Host: e.Host, Created: e.Created,
			Unparsable: index.ParseStatus(e.Parse) == index.Unparsable, Safety: e.Safety, Future: e.Created.After(horizon)})
	}
	decisions, err := retention.Decide(items, o.Policy, horizon.Add(-FutureSlack), s.loc)
	if err != nil {
		return res, invalid{err}
	}
	gone := map[string]bool{} // Entry.ID
	var removed []string
	for _, d := range decisions {
		e := byID[d.ID]
		v := Verdict{Backup: remoteBackup(e, horizon), Reason: d.Reason}
		if d.Keep {
			res.Kept = append(res.Kept, v)
		} else {
			res.Removed = append(res.Removed, v)
			gone[e.ID()] = true
			removed = append(removed, e.ID())
		}
	}
	if o.DryRun {
		return res, nil
	}
	return res, remoteErr(s.rewriteRemote(ctx, r, cat, gone, removed))
}

// rewriteRemote stores whole the kept deltas whose bases go, repacks,
// records it all in one segment and deletes what no entry names.
func (s *Store) rewriteRemote(ctx context.Context, r *remote.Remote, cat *remote.Catalogue, gone map[string]bool, removed []string) error {
	objects, err := r.DataObjects(ctx)
	if err != nil {
		return err
	}
	byKey := keyed(cat.Entries)
	goneKey := map[string]bool{}
	for _, e := range cat.Entries {
		if gone[e.ID()] {
			goneKey[e.Key()] = true
		}
	}
	rw := &repacker{r: r}
	cache := originalsOf(nil)
	// Kept deltas whose base goes: whole, first.
	moved := map[string]bool{}
	for _, e := range cat.Entries {
		if gone[e.ID()] || e.Encoding != remote.EncodingDelta || !goneKey[e.BaseKey()] {
			continue
		}
		stored, err := remoteStored(ctx, r, e)
		if err != nil {
			return err
		}
		data, err := cache.decode(ctx, r, byKey, e, stored, 0)
		if err != nil {
			return err
		}
		whole := e
		whole.Encoding, whole.Base, whole.BaseCreated, whole.BaseSHA256 = remote.EncodingZstd, "", time.Time{}, remote.Sum{}
		if err := rw.add(ctx, e, whole, blob.Compress(data)); err != nil {
			return err
		}
		moved[e.ID()] = true
	}
	// Packs left mostly dead: their live blobs into new packs.
	live := map[string]int64{}
	for _, e := range cat.Entries {
		if !gone[e.ID()] && !moved[e.ID()] {
			live[e.Object] += max(e.Length, 1)
		}
	}
	size := map[string]int64{}
	for _, ob := range objects {
		size[ob.Key] = ob.Size
	}
	for _, e := range cat.Entries {
		if gone[e.ID()] || moved[e.ID()] || e.Legacy() {
			continue
		}
		if n := size[e.Object]; n == 0 || float64(live[e.Object]) >= repackBelow*float64(n) {
			continue
		}
		stored, err := remoteStored(ctx, r, e)
		if err != nil {
			return err
		}
		if err := rw.add(ctx, e, e, stored); err != nil {
			return err
		}
		moved[e.ID()] = true
	}
	if err := rw.flush(ctx); err != nil {
		return err
	}
	if len(removed) > 0 || len(rw.added) > 0 {
		if err := r.AppendChange(ctx, cat, remote.Change{Added: rw.added, Removed: removed, Replaced: rw.replaced}); err != nil {
			return err
		}
	}
	return s.removeUnnamed(ctx, r, cat, objects)
}

// removeUnnamed deletes the data objects that no entry of cat names:
// at once those that entries named (all their backups removed or moved),
// and those no segment named (orphans of a killed or running push) once
// older than RemoteOrphanGrace.
func (s *Store) removeUnnamed(ctx context.Context, r *remote.Remote, cat *remote.Catalogue, objects []remote.Object) error {
	named := map[string]bool{}
	for _, e := range cat.Entries {
		named[e.Object] = true
	}
	known := cat.NamedObjects()
	cutoff := s.now().Add(-RemoteOrphanGrace)
	var del []string
	orphans := 0
	for _, ob := range objects {
		switch {
		case named[ob.Key]:
		case known[ob.Key]:
			del = append(del, ob.Key)
		case ob.LastModified.Before(cutoff):
			del = append(del, ob.Key)
			orphans++
		}
	}
	if orphans > 0 {
		s.log.Info("removing remote objects no catalogue names (left by an interrupted push)", "objects", orphans)
	}
	return r.Remove(ctx, del)
}

// repacker sends blobs again into new packs.
type repacker struct {
	r        *remote.Remote
	p        *remote.Packer
	added    []remote.Entry
	replaced []string
}

// add sends stored as the blob of e (which old held until now).
func (rw *repacker) add(ctx context.Context, old, e remote.Entry, stored []byte) error {
	if rw.p == nil {
		rw.p = rw.r.NewPacker()
	}
	if _, err := rw.p.Add(e, stored); err != nil {
		return err
	}
	rw.replaced = append(rw.replaced, old.ID())
	if rw.p.Full() {
		return rw.flush(ctx)
	}
	return nil
}

func (rw *repacker) flush(ctx context.Context) error {
	if rw.p == nil {
		return nil
	}
	p := rw.p
	rw.p = nil
	if err := p.Put(ctx); err != nil {
		return err
	}
	rw.added = append(rw.added, p.Entries()...)
	return nil
}

// remoteBackup describes a remote entry as a Backup; its Path is the
// object's name.
func remoteBackup(e remote.Entry, horizon time.Time) Backup {
	comp := index.None
	switch {
	case e.Legacy() && e.Compressed, e.Encoding == remote.EncodingZstd:
		comp = index.Zstd
	case e.Encoding == remote.EncodingDelta:
		comp = index.Delta
	}
	return Backup{Host: e.Host, Timestamp: e.Timestamp, Created: e.Created, Path: e.Object, OriginalSize: e.Size,
		OriginalPath: e.OriginalPath, SHA256: e.SHA256, Compression: comp.String(), Base: e.Base,
		Parsed: parsedOf(index.ParseStatus(e.Parse)), Safety: e.Safety, Future: e.Created.After(horizon)}
}
