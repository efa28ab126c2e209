package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// maxNameTries bounds the search for a free name: one per microsecond.
const maxNameTries = 1000

// CreateOptions select what Create backs up.
type CreateOptions struct {
	Host string
	// ConfigPath is the file to back up; "" means the host's usual path.
	ConfigPath string
	// Compress stores the backup as zstd (name + ".zst").
	Compress bool
	// SkipUnchanged writes nothing when the config's sha256 equals that of
	// the host's latest backup of the same path (and that backup reads
	// back intact); the result is that backup, with Skipped set.
	SkipUnchanged bool
}

// Create backs up a host's config: the file first, durably, then its index
// entry. It returns the new backup.
func (s *Store) Create(ctx context.Context, o CreateOptions) (Result, error) {
	if err := s.writable(); err != nil {
		return Result{}, err
	}
	h, err := LookupHost(o.Host)
	if err != nil {
		return Result{}, err
	}
	p := o.ConfigPath
	if p == "" {
		p = h.ConfigPath(s.env)
	}
	if p, err = filepath.Abs(p); err != nil {
		return Result{}, fmt.Errorf("config %s: %w", o.ConfigPath, err)
	}
	fi, err := s.configInfo(p)
	if err != nil {
		return Result{}, err
	}
	if streamed(fi.Size()) {
		return s.createStreamed(ctx, h.Name, p, o)
	}
	data, err := s.readConfigOf(p, fi)
	if err != nil {
		return Result{}, err
	}
	if o.SkipUnchanged {
		if b, ok := s.unchanged(ctx, h.Name, p, blob.Sum(data)); ok {
			return Result{Backup: b, Skipped: true}, nil
		}
	}
	b, err := s.store(ctx, h.Name, p, data, o.Compress, false)
	return Result{Backup: b}, err
}

// createStreamed is Create for a config above StreamThreshold: with
// SkipUnchanged a first streamed pass hashes it, then a second streams it
// into the backup file (see storeStreamed).
func (s *Store) createStreamed(ctx context.Context, host, p string, o CreateOptions) (Result, error) {
	if o.SkipUnchanged {
		sum, _, err := s.configSum(p)
		if err != nil {
			return Result{}, err
		}
		if b, ok := s.unchanged(ctx, host, p, sum); ok {
			return Result{Backup: b, Skipped: true}, nil
		}
	}
	b, err := s.storeStreamed(ctx, host, p, o.Compress, false)
	return Result{Backup: b}, err
}

// storeConfig backs up the live config at p as host's (a safety backup
// with safety): read whole at or below StreamThreshold, streamed above.
func (s *Store) storeConfig(ctx context.Context, host, p string, compress, safety bool) (Backup, error) {
	fi, err := s.configInfo(p)
	if err != nil {
		return Backup{}, err
	}
	if streamed(fi.Size()) {
		return s.storeStreamed(ctx, host, p, compress, safety)
	}
	data, err := s.readConfigOf(p, fi)
	if err != nil {
		return Backup{}, err
	}
	return s.store(ctx, host, p, data, compress, safety)
}

// unchanged returns host's latest backup of path (as Latest chooses: never
// a future-dated one; a safety backup counts, it holds what the config
// last held) when it holds data and reads back intact: a damaged backup is
// no reason to skip a new one.
func (s *Store) unchanged(ctx context.Context, host, path string, sum [32]byte) (Backup, bool) {
	latest, err := s.latest(host, func(r index.Record) bool { return r.OriginalPath == path })
	if err != nil || latest.SHA256 != sum {
		return Backup{}, false
	}
	if err := s.checkIntact(latest); err != nil {
		s.log.Warn("latest backup is damaged: backing up again", "backup", latest.Path, "error", err.Error())
		return Backup{}, false
	}
	return latest, true
}

// store writes data as a new backup of host and indexes it; safety marks
// the backup a restore takes of the content it replaces.
func (s *Store) store(ctx context.Context, host, origin string, data []byte, compress, safety bool) (Backup, error) {
	dir := filepath.Join(s.root, host)
	if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
		return Backup{}, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	rec := index.Record{
		Host: host, OriginalPath: origin, OriginalSize: int64(len(data)),
		SHA256: blob.Sum(data), Compression: index.None,
		Parse: s.checkParse(host, origin, data), Safety: safety,
	}
	stored := data
	if compress {
		stored, rec.Compression = blob.Compress(data), index.Zstd
	}
	rec.StoredSize = int64(len(stored))
	if err := ctx.Err(); err != nil {
		return Backup{}, err
	}
	if err := s.publish(&rec, stored); err != nil {
		return Backup{}, err
	}
	return s.index(rec)
}

// storeStreamed is store for a config above StreamThreshold: it streams
// the config at origin into the backup file in fixed memory, hashing it
// (and compressing it with compress) on the way, so that the record holds
// what the file holds. Its parse state is unknown: a document that big is
// not parsed (see MaxParseSize).
func (s *Store) storeStreamed(ctx context.Context, host, origin string, compress, safety bool) (Backup, error) {
	dir := filepath.Join(s.root, host)
	if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
		return Backup{}, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	rec := index.Record{
		Host: host, OriginalPath: origin, Compression: index.None,
		Parse: index.ParseUnknown, Safety: safety,
	}
	if compress {
		rec.Compression = index.Zstd
	}
	if err := ctx.Err(); err != nil {
		return Backup{}, err
	}
	write := s.configWriter(origin, &rec, compress)
	if err := s.publishWith(&rec, nil, write, s.now()); err != nil {
		return Backup{}, err
	}
	return s.index(rec)
}

// index records rec, whose file is published, in the index.
func (s *Store) index(rec index.Record) (Backup, error) {
	if err := s.db.PutNoting(rec, s.folderNote(rec.Host)); err != nil {
		// Not acknowledged: take the file back so nothing is half done.
		// Should the remove fail too, verify reports the file and reindex
		// adopts it.
		rmErr := s.fs.Remove(filepath.Join(s.root, filepath.FromSlash(rec.File)))
		return Backup{}, errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	// Its instant is now: reading the clock again could not make it
	// future-dated, and a Create reads the clock once.
	return s.backupBefore(rec, rec.Created.Add(FutureSlack)), nil
}

// publish writes the backup file, in rec's form, under the first free
// name at or after now (or rec.Created when set: import dates a copy by
// its mtime): a name taken by a file (plain or .zst, even a planted
// symlink) or an instant taken in the index moves to the next
// microsecond.
func (s *Store) publish(rec *index.Record, stored []byte) error {
	created := rec.Created
	if created.IsZero() {
		created = s.now()
	}
	return s.publishWith(rec, stored, nil, created)
}

// publishWith is publish from instant created on, with the file's content
// written by write when not nil (called again should a name be taken
// meanwhile), else stored.
func (s *Store) publishWith(rec *index.Record, stored []byte, write func(io.Writer) error, created time.Time) error {
	return s.publishFirstFree(rec, created, nil, func(p string) error {
		// Dated with its instant: a rebuilt index reads the zone of the
		// name from it (see instantOf).
		if write != nil {
			return hatomic.WriteNewFromAt(s.fs, p, write, FileMode, rec.Created)
		}
		return hatomic.WriteNewAt(s.fs, p, stored, FileMode, rec.Created)
	})
}

// publishFirstFree names rec (in its form: plain, .zst or .delta) from
// instant created on, a microsecond later each time the name is taken
// (the instant indexed, a file of the timestamp there, or a file made
// between the look and put's no-replace write: hatomic.ErrExist), and
// calls put with the path until one succeeds. reused, when not nil, is
// asked first at each name whether a file already there is the one to
// keep (nothing is written then).
func (s *Store) publishFirstFree(rec *index.Record, created time.Time, reused func() bool, put func(p string) error) error {
	created = created.UTC().Truncate(time.Microsecond)
	for range maxNameTries {
		rec.Created = created
		rec.Timestamp = blob.FormatTimestamp(created.In(s.loc))
		name := blob.NewName(rec.Host, rec.Timestamp, false).String()
		switch rec.Compression {
		case index.Zstd:
			name += blob.ZstdSuffix
		case index.Delta:
			name += blob.DeltaSuffix
		}
		rec.File = path.Join(rec.Host, name)
		created = created.Add(time.Microsecond)
		if reused != nil && reused() {
			return nil
		}
		if taken, err := s.taken(rec); err != nil || taken {
			if err != nil {
				return err
			}
			continue
		}
		p := filepath.Join(s.root, rec.Host, name)
		err := put(p)
		if errors.Is(err, hatomic.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write backup %s: %w", p, err)
		}
		return nil
	}
	return fmt.Errorf("backup of %s: no free name in %d tries", rec.Host, maxNameTries)
}

// taken reports whether rec's instant is indexed or its timestamp is used
// by a file of the host, plain, compressed or a delta. Names are checked on disk,
// not in the index: every indexed backup has its file (a missing one is
// damage), and a file the index does not know must not be replaced either.
// A name that cannot be looked at (a folder at mode 000) is an error: no
// other name in that folder would fare better.
func (s *Store) taken(rec *index.Record) (bool, error) {
	if s.instantIndexed(rec.Host, rec.Created) {
		return true, nil
	}
	base := filepath.Join(s.root, rec.Host, blob.NewName(rec.Host, rec.Timestamp, false).String())
	for _, p := range []string{base, base + blob.ZstdSuffix, base + blob.DeltaSuffix} {
		_, err := s.fs.Lstat(p)
		switch {
		case err == nil:
			return true, nil
		case !errors.Is(err, fs.ErrNotExist):
			return false, fmt.Errorf("backup folder %s: %w", filepath.Dir(p), pathless(err))
		}
	}
	return false, nil
}

// instantIndexed reports whether host has an index entry at instant t.
func (s *Store) instantIndexed(host string, t time.Time) bool {
	found := false
	_ = s.db.List(index.Query{Hosts: []string{host}, Since: t, Until: t, Limit: 1},
		func(index.Record) error { found = true; return nil })
	return found
}
