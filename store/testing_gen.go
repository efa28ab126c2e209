package store

// Test scaffolding, kept beside what it builds (as restic keeps
// TestRepository in its repository package): it fills backup roots fast,
// for tests, benchmarks and the bench script: backup files written without
// fsync and their index records put in large transactions, instead of
// thousands of durable creates.
//
// Generate builds a store of any size from a GenSpec (a million backups in
// seconds); Populate adds given backups, for tests that choose each one's
// host, instant and content. Either way the store is valid (verify finds
// it clean, when Generate writes the files too), named as create names
// backups, with the index of the latest schema, but nothing about it is
// durable until the OS flushes it. The program itself never calls these.

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/migrations"
)

// GenSpec describes a store to generate. Zero values have defaults.
type GenSpec struct {
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

// DefaultGenHosts is the hosts of a generated store when GenSpec.Hosts is
// empty.
var DefaultGenHosts = []string{"cursor", "vscode", "claude-desktop", "codex", "gemini"}

// genBatch is how many records go into one bbolt transaction.
const genBatch = 20_000

// Generate writes the store described by s.
func Generate(s GenSpec) error {
	s = s.withDefaults()
	for _, h := range s.Hosts {
		if err := os.MkdirAll(filepath.Join(s.Root, h), DirMode); err != nil {
			return err
		}
	}
	return genFill(s.Root, func(put func(index.Record) error) error {
		for i := range s.N {
			r, err := s.record(i)
			if err != nil {
				return err
			}
			if err := put(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s GenSpec) withDefaults() GenSpec {
	if len(s.Hosts) == 0 {
		s.Hosts = DefaultGenHosts
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
func (s GenSpec) record(i int) (index.Record, error) {
	host := s.Hosts[i%len(s.Hosts)]
	created := s.Start.Add(time.Duration(i) * s.Step)
	origin := "/home/user/.config/" + host + "/mcp.json"
	if !s.Files {
		r := genRecord(host, created, s.Location, origin, s.Size)
		r.SHA256 = sha256.Sum256([]byte(strconv.Itoa(i)))
		return r, nil
	}
	return genWrite(s.Root, s.Location, GenBackup{Host: host, Created: created, Data: GenContent(i, s.Size)}, origin)
}

// GenContent is a config-like body of size bytes, different for each i.
func GenContent(i, size int) []byte {
	head := fmt.Sprintf(`{"mcpServers": {"server-%d": {"command": "npx", "args": ["-y", "pkg"]`, i)
	b := make([]byte, 0, size)
	b = append(b, head...)
	for len(b) < size-3 {
		b = append(b, ` `...)
	}
	b = append(b, "}}}"...)
	return b[:size]
}

// GenBackup is one backup for Populate to make: Host at Created holding Data.
type GenBackup struct {
	Host    string
	Created time.Time
	Data    []byte
}

// Populate adds the backups to the store at root (created if needed),
// naming them in loc, and returns their records in order. Created is
// truncated to microseconds; two backups of a host at the same instant are
// an error (index.ErrExists).
func Populate(root string, loc *time.Location, backups []GenBackup) ([]GenRecord, error) {
	records := make([]index.Record, 0, len(backups))
	err := genFill(root, func(put func(index.Record) error) error {
		for _, b := range backups {
			r, err := genWrite(root, loc, b, "/home/user/"+b.Host+".json")
			if err != nil {
				return err
			}
			records = append(records, r)
			if err := put(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return records, nil
}

// genFill opens the store at root under its lock, brings its index to the
// latest schema, and puts every record that gen passes to put, a batch at
// a time.
func genFill(root string, gen func(put func(index.Record) error) error) (err error) {
	if err := os.MkdirAll(root, DirMode); err != nil {
		return err
	}
	lock, err := index.AcquireLock(filepath.Join(root, LockFile), true, 10*time.Second)
	if err != nil {
		return err
	}
	defer lock.Release()
	db, err := index.Open(filepath.Join(root, IndexFile), index.Options{Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	if _, err := migrations.Up(db); err != nil {
		return err
	}
	recs := make([]index.Record, 0, genBatch)
	err = gen(func(r index.Record) error {
		if recs = append(recs, r); len(recs) < genBatch {
			return nil
		}
		err := db.PutMany(recs)
		recs = recs[:0]
		return err
	})
	if err != nil || len(recs) == 0 {
		return err
	}
	return db.PutMany(recs)
}

// genRecord is the record of a plain backup of size bytes, with no sha256
// yet.
func genRecord(host string, created time.Time, loc *time.Location, origin string, size int) index.Record {
	created = created.UTC().Truncate(time.Microsecond)
	ts := blob.FormatTimestamp(created.In(loc))
	return index.Record{
		Host: host, Timestamp: ts, Created: created,
		File:       path.Join(host, blob.NewName(host, ts, false).String()),
		StoredSize: int64(size), OriginalSize: int64(size), OriginalPath: origin,
	}
}

// genWrite writes one plain backup file and returns its record.
func genWrite(root string, loc *time.Location, b GenBackup, origin string) (index.Record, error) {
	r := genRecord(b.Host, b.Created, loc, origin, len(b.Data))
	r.SHA256 = blob.Sum(b.Data)
	if err := os.MkdirAll(filepath.Join(root, b.Host), DirMode); err != nil {
		return r, err
	}
	p := filepath.Join(root, filepath.FromSlash(r.File))
	if err := os.WriteFile(p, b.Data, FileMode); err != nil {
		return r, fmt.Errorf("store: generate: %w", err)
	}
	// Dated with its instant, as the store dates the files it writes (a
	// rebuilt index reads the name's zone from it).
	if err := os.Chtimes(p, time.Time{}, r.Created); err != nil {
		return r, fmt.Errorf("store: generate: %w", err)
	}
	return r, nil
}

// Snapshot maps every path under dir to its mode, modification time and
// content: two equal snapshots mean a bit-identical tree.
func Snapshot(dir string) (map[string]string, error) {
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		content := ""
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			content = string(b)
		}
		mtime := fi.ModTime().UnixNano()
		if runtime.GOOS == "windows" && d.Name() == IndexFile {
			// bbolt truncates its file to the mapping's size at every
			// read-write open on Windows, which moves the mtime even when
			// no byte changes: there, the bytes alone are compared.
			mtime = 0
		}
		snap[p] = fmt.Sprintf("%v %d %q", fi.Mode(), mtime, content)
		return nil
	})
	return snap, err
}
