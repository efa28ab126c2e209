package store

import (
	"context"
	"slices"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/retention"
)

// CleanRemote applies o's retention policy to the remote's catalogue as
// Clean does to the index, with this store's clock and zone. It first
// writes a catalogue segment that removes the backups it does not keep,
// then deletes their objects: the catalogue never names a deleted object
// as present. A push from a machine that still holds a removed backup
// does not upload it again. Verdict paths are object names.
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
	byObject := map[string]remote.Entry{}
	var items []retention.Item
	for _, e := range cat.Entries {
		if len(o.Hosts) > 0 && !slices.Contains(o.Hosts, e.Host) {
			continue
		}
		byObject[e.Object] = e
		items = append(items, retention.Item{ID: e.Object, Host: e.Host, Created: e.Created,
			Unparsable: index.ParseStatus(e.Parse) == index.Unparsable, Safety: e.Safety, Future: e.Created.After(horizon)})
	}
	decisions, err := retention.Decide(items, o.Policy, horizon.Add(-FutureSlack), s.loc)
	if err != nil {
		return res, invalid{err}
	}
	var gone []string
	for _, d := range decisions {
		e := byObject[d.ID]
		v := Verdict{Backup: remoteBackup(e, horizon), Reason: d.Reason}
		if d.Keep {
			res.Kept = append(res.Kept, v)
		} else {
			res.Removed = append(res.Removed, v)
			gone = append(gone, e.Object)
		}
	}
	if o.DryRun || len(gone) == 0 {
		return res, nil
	}
	if err := r.Append(ctx, cat, nil, gone); err != nil {
		return res, remoteErr(err)
	}
	return res, remoteErr(r.Remove(ctx, gone))
}

// remoteBackup describes a remote entry as a Backup; its Path is the
// object's name.
func remoteBackup(e remote.Entry, horizon time.Time) Backup {
	comp := index.None
	if e.Compressed {
		comp = index.Zstd
	}
	return Backup{Host: e.Host, Timestamp: e.Timestamp, Created: e.Created, Path: e.Object, OriginalSize: e.Size,
		OriginalPath: e.OriginalPath, SHA256: e.SHA256, Compression: comp.String(),
		Parsed: parsedOf(index.ParseStatus(e.Parse)), Safety: e.Safety, Future: e.Created.After(horizon)}
}
