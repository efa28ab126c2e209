package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// Query selects backups. Zero Since/Until are unbounded (both inclusive);
// no Hosts means every host; Limit 0 means no limit.
type Query struct {
	Hosts        []string
	Since, Until time.Time
	Limit        int
}

// List calls fn for each matching backup, newest first, as the index yields
// them: a listing of any size streams. An error from fn stops the listing
// and is returned.
func (s *Store) List(ctx context.Context, q Query) func(yield func(Backup, error) bool) {
	return func(yield func(Backup, error) bool) {
		if err := s.validQuery(q); err != nil {
			yield(Backup{}, err)
			return
		}
		if s.db == nil {
			return
		}
		errStop := errors.New("stop")
		horizon := s.horizon()
		err := s.db.List(index.Query{Hosts: q.Hosts, Since: q.Since, Until: q.Until, Limit: q.Limit},
			func(r index.Record) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if !yield(s.backupBefore(r, horizon), nil) {
					return errStop
				}
				return nil
			})
		if err != nil && !errors.Is(err, errStop) {
			yield(Backup{}, fmt.Errorf("index %s: %w", s.indexPath(), err))
		}
	}
}

func (s *Store) validQuery(q Query) error {
	for _, h := range q.Hosts {
		if _, err := LookupHost(h); err != nil {
			return err
		}
	}
	if q.Limit < 0 {
		return fmt.Errorf("limit %d: %w: must be 0 (no limit) or more", q.Limit, ErrInvalid)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Until.Before(q.Since) {
		return fmt.Errorf("time range %s..%s: %w: until is before since", q.Since.Format(time.RFC3339), q.Until.Format(time.RFC3339), ErrInvalid)
	}
	return nil
}

// FutureSlack is how far after the store's clock a backup may be dated and
// still be trusted: a day covers any time-zone confusion. A backup dated
// later (a Hatch folder from a machine whose clock was wrong) is
// future-dated (Backup.Future).
const FutureSlack = 24 * time.Hour

// horizon is the latest instant a backup may have and not be future-dated.
func (s *Store) horizon() time.Time { return s.now().Add(FutureSlack) }

// Latest returns host's newest backup that is not future-dated, a safety
// backup included (it is what the config last looked like): what show,
// diff and hosts call the latest. ErrNotFound when it has none.
func (s *Store) Latest(ctx context.Context, host string) (Backup, error) {
	return s.latest(host, nil)
}

// LatestToRestore returns host's newest backup that is neither
// future-dated nor a safety backup: what Restore puts back when no
// timestamp is given, so that a second restore never brings back the
// content the first one replaced. ErrNotFound when it has none.
func (s *Store) LatestToRestore(ctx context.Context, host string) (Backup, error) {
	return s.latest(host, notSafety)
}

func notSafety(r index.Record) bool { return !r.Safety }

// latest is the one place the store chooses "the latest" backup of host:
// the newest not dated after the horizon that keep accepts (nil: any).
// Every command and Go caller goes through it.
func (s *Store) latest(host string, keep func(index.Record) bool) (Backup, error) {
	if _, err := LookupHost(host); err != nil {
		return Backup{}, err
	}
	if s.db == nil {
		return Backup{}, fmt.Errorf("%w of %s", ErrNotFound, host)
	}
	horizon := s.horizon()
	r, err := s.db.Newest(host, horizon, keep)
	return s.found(r, err, fmt.Sprintf("of %s", host), horizon)
}

// Get returns host's backup whose timestamp is ts; ErrInvalid for a
// malformed timestamp, ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, host, ts string) (Backup, error) {
	if _, err := LookupHost(host); err != nil {
		return Backup{}, err
	}
	near, err := ParseTimestamp(ts, s.loc)
	if err != nil {
		return Backup{}, err
	}
	if s.db == nil {
		return Backup{}, fmt.Errorf("%w of %s at %s", ErrNotFound, host, ts)
	}
	r, err := s.db.Get(host, ts, near)
	return s.found(r, err, fmt.Sprintf("of %s at %s", host, ts), s.horizon())
}

// Find is Get when ts is set, Latest otherwise (show, diff).
func (s *Store) Find(ctx context.Context, host, ts string) (Backup, error) {
	if ts == "" {
		return s.Latest(ctx, host)
	}
	return s.Get(ctx, host, ts)
}

// FindToRestore is Get when ts is set, LatestToRestore otherwise: the
// backup Restore takes.
func (s *Store) FindToRestore(ctx context.Context, host, ts string) (Backup, error) {
	if ts == "" {
		return s.LatestToRestore(ctx, host)
	}
	return s.Get(ctx, host, ts)
}

func (s *Store) found(r index.Record, err error, what string, horizon time.Time) (Backup, error) {
	if errors.Is(err, index.ErrNotFound) {
		return Backup{}, fmt.Errorf("%w %s", ErrNotFound, what)
	}
	if err != nil {
		return Backup{}, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	return s.backupBefore(r, horizon), nil
}

// ParseTimestamp reads a backup timestamp (YYYYMMDD_HHMMSS_ffffff) as a
// wall-clock time in loc; ErrInvalid when malformed.
func ParseTimestamp(ts string, loc *time.Location) (time.Time, error) {
	t, err := blob.ParseTimestamp(ts, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: %w: want YYYYMMDD_HHMMSS_ffffff", ts, ErrInvalid)
	}
	return t, nil
}
