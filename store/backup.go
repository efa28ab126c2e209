package store

import (
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
)

// Backup describes one stored backup (the seed's BackupInfo).
type Backup struct {
	Host         string
	Timestamp    string    // the name's timestamp, how commands select it
	Created      time.Time // exact instant, UTC
	Path         string    // absolute path of the backup file
	FileSize     int64     // bytes on disk
	OriginalSize int64     // bytes of the config it holds
	OriginalPath string    // config path it was taken from; "" when unknown
	SHA256       [32]byte  // of the original bytes
	Compression  string    // "none", "zstd" or "delta"
	// Base is the timestamp of the backup (same host) a delta is encoded
	// against; "" unless Compression is "delta".
	Base string
	// Parsed says whether the config parsed in its host's format when it
	// was backed up; nil when unknown (a backup from before the check).
	Parsed *bool
	// Safety: a restore took this backup of the content it was about to
	// replace. Restore without a timestamp passes over it. The mark lives
	// in the index only (backup file names are Hatch's and stay as they
	// are): a backup adopted by reindex after its index was lost has no
	// mark, and neither has one taken before schema 4.
	Safety bool
	// Future: the backup is dated more than FutureSlack after the store's
	// clock (Options.Now) at the time it was read, as a file from a
	// machine with a wrong clock is. It is never the latest, never counted
	// among the newest by clean, and verify warns about it.
	Future bool
}

// Unparsable reports whether b is known not to parse: retention keeps the
// newest backup that does, and restore warns before putting b back.
func (b Backup) Unparsable() bool { return b.Parsed != nil && !*b.Parsed }

// Result is the outcome of a backup (the seed's BackupResult).
type Result struct {
	Backup  Backup
	Skipped bool // an unchanged config was not backed up again
}

func (s *Store) backupOf(r index.Record) Backup {
	return s.backupBefore(r, s.horizon())
}

// backupBefore is backupOf with the horizon already read: a listing reads
// the clock once.
func (s *Store) backupBefore(r index.Record, horizon time.Time) Backup {
	b := backupAt(r, filepath.Join(s.root, filepath.FromSlash(r.File)))
	b.Future = r.Created.After(horizon)
	return b
}

// backupAt is the Backup of r, whose file is at path.
func backupAt(r index.Record, path string) Backup {
	return Backup{
		Host:         r.Host,
		Timestamp:    r.Timestamp,
		Created:      r.Created,
		Path:         path,
		FileSize:     r.StoredSize,
		OriginalSize: r.OriginalSize,
		OriginalPath: r.OriginalPath,
		SHA256:       r.SHA256,
		Compression:  r.Compression.String(),
		Base:         r.Base,
		Parsed:       parsedOf(r.Parse),
		Safety:       r.Safety,
	}
}

func parsedOf(p index.ParseStatus) *bool {
	if p != index.Parsed && p != index.Unparsable {
		return nil
	}
	ok := p == index.Parsed
	return &ok
}
