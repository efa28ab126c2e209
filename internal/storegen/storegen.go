// Package storegen builds large backup stores fast, for benchmarks and the
// bench script: backup files written without fsync and index records put
// in large transactions, instead of a million durable creates.
//
// A generated store is a valid store (verify finds it clean when Files is
// set), but nothing about it is durable until the OS flushes it. It is
// never used by the program itself.
package storegen

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"hatch-backup/blob"
	"hatch-backup/index"
	"hatch-backup/migrations"
)

// Spec describes a store to generate. Zero values have defaults.
type Spec struct {
	Root  string   // the backup root; created if missing
	Hosts []string // default: cursor, vscode, claude-desktop, codex, gemini
	N     int      // backups in all, dealt round-robin over Hosts
	Size  int      // bytes per backup; default 5120
	// Start is the first backup's instant (default 2025-01-01 UTC); one
	// backup is made every Step (default one minute).
	Start time.Time
	Step  time.Duration
	// Files writes the backup files too; without it only the index is
	// built (enough to measure queries), and the sha256 is of a stand-in.
	Files    bool
	Location *time.Location // zone of the names; default time.Local
}

// DefaultHosts is the hosts of a generated store when Spec.Hosts is empty.
var DefaultHosts = []string{"cursor", "vscode", "claude-desktop", "codex", "gemini"}

// batch is how many records go into one bbolt transaction.
const batch = 20_000

// Generate writes the store described by s.
func Generate(s Spec) error {
	s = s.withDefaults()
	if err := os.MkdirAll(s.Root, 0o700); err != nil {
		return err
	}
	for _, h := range s.Hosts {
		if err := os.MkdirAll(filepath.Join(s.Root, h), 0o700); err != nil {
			return err
		}
	}
	db, err := index.Open(filepath.Join(s.Root, "index.db"), index.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := migrations.Up(db); err != nil {
		return err
	}
	recs := make([]index.Record, 0, batch)
	for i := range s.N {
		r, err := s.record(i)
		if err != nil {
			return err
		}
		if recs = append(recs, r); len(recs) == batch {
			if err := db.PutMany(recs); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	if len(recs) > 0 {
		return db.PutMany(recs)
	}
	return nil
}

func (s Spec) withDefaults() Spec {
	if len(s.Hosts) == 0 {
		s.Hosts = DefaultHosts
	}
	if s.Size == 0 {
		s.Size = 5120
	}
	if s.Start.IsZero() {
		s.Start = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.Step == 0 {
		s.Step = time.Minute
	}
	if s.Location == nil {
		s.Location = time.Local
	}
	return s
}

// record makes backup i (and its file, with Files).
func (s Spec) record(i int) (index.Record, error) {
	host := s.Hosts[i%len(s.Hosts)]
	created := s.Start.Add(time.Duration(i) * s.Step).UTC()
	ts := blob.FormatTimestamp(created.In(s.Location))
	name := blob.NewName(host, ts, false).String()
	r := index.Record{
		Host: host, Timestamp: ts, Created: created,
		File:         path.Join(host, name),
		StoredSize:   int64(s.Size),
		OriginalSize: int64(s.Size),
		OriginalPath: "/home/user/.config/" + host + "/mcp.json",
	}
	if !s.Files {
		r.SHA256 = sha256.Sum256([]byte(strconv.Itoa(i)))
		return r, nil
	}
	data := Content(i, s.Size)
	r.SHA256 = blob.Sum(data)
	if err := os.WriteFile(filepath.Join(s.Root, host, name), data, 0o600); err != nil {
		return r, fmt.Errorf("storegen: %w", err)
	}
	return r, nil
}

// Content is a config-like body of size bytes, different for each i.
func Content(i, size int) []byte {
	head := fmt.Sprintf(`{"mcpServers": {"server-%d": {"command": "npx", "args": ["-y", "pkg"]`, i)
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < size-3 {
		b = append(b, ` `...)
	}
	b = append(b, "}}}"...)
	return b[:size]
}
