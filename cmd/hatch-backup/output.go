package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// backupJSON is a backup as CLI.md's --json output describes it.
type backupJSON struct {
	Hostname           string  `json:"hostname"`
	Timestamp          string  `json:"timestamp"`
	Created            string  `json:"created"`
	FilePath           string  `json:"file_path"`
	FileSize           int64   `json:"file_size"`
	OriginalSize       int64   `json:"original_size"`
	OriginalConfigPath *string `json:"original_config_path"`
	SHA256             string  `json:"sha256"`
	Compression        string  `json:"compression"`
	Base               string  `json:"base,omitempty"` // a delta's base (its timestamp)
	Parsed             *bool   `json:"parsed"`         // null: not checked (older backup)
	Safety             bool    `json:"safety"`         // taken by a restore of what it replaced
	Future             bool    `json:"future"`         // dated more than a day after now
}

func toJSON(b store.Backup) backupJSON {
	j := backupJSON{
		Hostname:     b.Host,
		Timestamp:    b.Timestamp,
		Created:      b.Created.UTC().Format(time.RFC3339Nano),
		FilePath:     b.Path,
		FileSize:     b.FileSize,
		OriginalSize: b.OriginalSize,
		SHA256:       hex.EncodeToString(b.SHA256[:]),
		Compression:  b.Compression,
		Base:         b.Base,
		Parsed:       b.Parsed,
		Safety:       b.Safety,
		Future:       b.Future,
	}
	if b.OriginalPath != "" {
		p := b.OriginalPath
		j.OriginalConfigPath = &p
	}
	return j
}

// resultJSON is the seed's BackupResult, as create prints it.
type resultJSON struct {
	Hostname     string      `json:"hostname,omitempty"`
	Success      bool        `json:"success"`
	BackupPath   *string     `json:"backup_path"`
	ErrorMessage *string     `json:"error_message"`
	OriginalSize int64       `json:"original_size"`
	BackupSize   int64       `json:"backup_size"`
	Skipped      bool        `json:"skipped"`
	Backup       *backupJSON `json:"backup"`
}

func resultToJSON(r store.Result) resultJSON {
	b := toJSON(r.Backup)
	return resultJSON{
		Success:      true,
		BackupPath:   &b.FilePath,
		OriginalSize: r.Backup.OriginalSize,
		BackupSize:   r.Backup.FileSize,
		Skipped:      r.Skipped,
		Backup:       &b,
	}
}

// tableHeader and tableRow print list's table a row at a time, so that a
// listing of any length streams. Sizes and ages are for people; --json
// keeps the exact values.
func tableHeader(w io.Writer) {
	fmt.Fprintf(w, "%-14s  %-22s  %-19s  %9s  %8s  %-11s  %s\n", "HOST", "TIMESTAMP", "CREATED", "AGE", "SIZE", "COMPRESSION", "ORIGINAL PATH")
}

func tableRow(w io.Writer, b store.Backup, now time.Time) {
	orig := shown(b.OriginalPath)
	if orig == "" {
		orig = "(unknown)"
	}
	if b.Unparsable() {
		orig += " (unparsable)"
	}
	if b.Safety {
		orig += " (safety backup)"
	}
	if b.Future {
		orig += " (future-dated)"
	}
	fmt.Fprintf(w, "%-14s  %-22s  %-19s  %9s  %8s  %-11s  %s\n", b.Host, b.Timestamp,
		b.Created.Local().Format(time.DateTime), humanAge(now.Sub(b.Created)), humanSize(b.FileSize), b.Compression, orig)
}

// humanSize is n bytes in decimal units, one decimal: "512 B", "5.2 KB".
func humanSize(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, unit := range []string{"KB", "MB", "GB", "TB"} {
		f /= 1000
		if f < 999.95 || unit == "TB" {
			return fmt.Sprintf("%.1f %s", f, unit)
		}
	}
	return ""
}

// humanAge is d in its largest whole unit: "just now", "42s ago", "3h ago",
// "5d ago"; a time in the future (clock skew) is "in 3m".
func humanAge(d time.Duration) string {
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
	}
	var s string
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		s = fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		s = fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		s = fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		s = fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}
