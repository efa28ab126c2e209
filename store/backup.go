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
	Compression  string    // "none" or "zstd"
	// Parsed says whether the config parsed in its host's format when it
	// was backed up; nil when unknown (a backup from before the check).
	Parsed *bool
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
	return backupAt(r, filepath.Join(s.root, filepath.FromSlash(r.File)))
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
		Parsed:       parsedOf(r.Parse),
	}
}

func parsedOf(p index.ParseStatus) *bool {
	if p != index.Parsed && p != index.Unparsable {
		return nil
	}
	ok := p == index.Parsed
	return &ok
}
