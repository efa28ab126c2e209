package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"hatch-backup/store"
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
// listing of any length streams.
func tableHeader(w io.Writer) {
	fmt.Fprintf(w, "%-14s  %-22s  %-19s  %10s  %-11s  %s\n", "HOST", "TIMESTAMP", "CREATED", "SIZE", "COMPRESSION", "ORIGINAL PATH")
}

func tableRow(w io.Writer, b store.Backup) {
	orig := b.OriginalPath
	if orig == "" {
		orig = "(unknown)"
	}
	fmt.Fprintf(w, "%-14s  %-22s  %-19s  %10d  %-11s  %s\n", b.Host, b.Timestamp,
		b.Created.Local().Format(time.DateTime), b.FileSize, b.Compression, orig)
}
