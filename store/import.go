package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// ImportOptions select the hosts whose copies Import adopts.
type ImportOptions struct {
	Hosts  []string // none: every host
	DryRun bool
}

// ImportCopy is one copy found beside a host's config.
type ImportCopy struct {
	Path string // the copy, left where it is
	Host string
	// Backup is the backup that holds it: the new one, or (skipped) the
	// one already in the store; nil on a dry run's adoption.
	Backup *Backup
	// Reason a copy is skipped ("already in the store", ...); "" when
	// adopted.
	Reason string
}

// ImportResult lists the copies adopted and skipped, by host then path.
type ImportResult struct {
	DryRun           bool
	Adopted, Skipped []ImportCopy
}

// copyWindow: a copy is already in the store when a backup of its host
// holds its bytes at its mtime, or within this much after it (a taken
// instant moves a new backup on by microseconds).
const copyWindow = time.Millisecond

// Import adopts the copies that hosts and other tools leave beside the
// configs (HOSTS.md, "Copies the hosts already make") as ordinary backups
// of their host: dated by the copy's modification time, original path =
// the config it copies, parse-checked (a corrupted one is kept, marked
// unparsable), written with the durable protocol, covered by retention.
// It only reads the copies: it never moves, changes or deletes one. A copy
// already in the store (same host, sha256 and time) is skipped, so a
// second run adopts nothing.
func (s *Store) Import(ctx context.Context, o ImportOptions) (ImportResult, error) {
	res := ImportResult{DryRun: o.DryRun}
	if !o.DryRun {
		if err := s.writable(); err != nil {
			return res, err
		}
	}
	hosts, err := s.importHosts(o.Hosts)
	if err != nil {
		return res, err
	}
	for _, h := range hosts {
		config := h.ConfigPath(s.env)
		for _, p := range s.copiesOf(h, config) {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			c, adopted, err := s.importCopy(ctx, h, config, p, o.DryRun)
			if err != nil {
				return res, err
			}
			if adopted {
				res.Adopted = append(res.Adopted, c)
			} else {
				res.Skipped = append(res.Skipped, c)
			}
		}
	}
	return res, nil
}

func (s *Store) importHosts(names []string) ([]Host, error) {
	if len(names) == 0 {
		return Hosts(), nil
	}
	var out []Host
	seen := map[string]bool{}
	for _, n := range names {
		h, err := LookupHost(n)
		if err != nil {
			return nil, err
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, h)
		}
	}
	return out, nil
}

// copiesOf lists the files that look like copies of h's config, sorted:
// <config>.bak (Goose, ruler, getmcpm, mcpm.sh, mcp-sync) for every host,
// and for Claude Code its rotating backups, its old single backup and the
// files it could not parse.
func (s *Store) copiesOf(h Host, config string) []string {
	dir, base := filepath.Dir(config), filepath.Base(config)
	patterns := []string{config + ".bak"}
	if h.Name == "claude-code" {
		patterns = append(patterns,
			config+".backup",
			filepath.Join(dir, base+".corrupted.*"),
			filepath.Join(dir, ".claude", "backups", base+".backup.*"),
			filepath.Join(dir, "backups", base+".backup.*")) // under CLAUDE_CONFIG_DIR
	}
	var out []string
	for _, pat := range patterns {
		matches, _ := filepath.Glob(pat)
		out = append(out, matches...)
	}
	sort.Strings(out)
	return out
}

// importCopy adopts (or, dry, weighs) the copy at p of h's config.
func (s *Store) importCopy(ctx context.Context, h Host, config, p string, dry bool) (ImportCopy, bool, error) {
	c := ImportCopy{Path: p, Host: h.Name}
	fi, err := s.fs.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Reason = "gone"
		return c, false, nil
	case err != nil:
		return c, false, fmt.Errorf("copy %s: %w", p, pathless(err))
	case !fi.Mode().IsRegular():
		c.Reason = "not a regular file"
		return c, false, nil
	}
	if streamed(fi.Size()) {
		return s.importStreamed(ctx, h, config, p, fi.ModTime(), dry)
	}
	data, err := s.readConfig(p)
	if errors.Is(err, ErrInvalid) {
		c.Reason = "too large or not a file"
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	at := fi.ModTime().UTC().Truncate(time.Microsecond)
	if b, ok := s.holding(h.Name, blob.Sum(data), at); ok {
		c.Backup, c.Reason = &b, "already in the store"
		return c, false, nil
	}
	if dry {
		return c, true, nil
	}
	b, err := s.adoptCopy(ctx, h.Name, config, data, at)
	if err != nil {
		return c, false, fmt.Errorf("import %s: %w", p, err)
	}
	c.Backup = &b
	return c, true, nil
}

// importStreamed is importCopy for a copy above StreamThreshold: hashed
// in a first streamed pass, then streamed into the store dated mtime (its
// parse state unknown, as for every config that big).
func (s *Store) importStreamed(ctx context.Context, h Host, config, p string, mtime time.Time, dry bool) (ImportCopy, bool, error) {
	c := ImportCopy{Path: p, Host: h.Name}
	sum, _, err := s.configSum(p)
	if errors.Is(err, ErrInvalid) || errors.Is(err, ErrConfigMissing) {
		c.Reason = "gone or not a file"
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	at := mtime.UTC().Truncate(time.Microsecond)
	if b, ok := s.holding(h.Name, sum, at); ok {
		c.Backup, c.Reason = &b, "already in the store"
		return c, false, nil
	}
	if dry {
		return c, true, nil
	}
	dir := filepath.Join(s.root, h.Name)
	if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
		return c, false, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	rec := index.Record{Host: h.Name, OriginalPath: config, Compression: index.None, Parse: index.ParseUnknown, Created: at}
	if err := ctx.Err(); err != nil {
		return c, false, err
	}
	if err := s.publishWith(&rec, nil, s.configWriter(p, &rec, false), at); err != nil {
		return c, false, fmt.Errorf("import %s: %w", p, err)
	}
	if err := s.db.Put(rec); err != nil {
		rmErr := s.fs.Remove(filepath.Join(s.root, filepath.FromSlash(rec.File)))
		return c, false, errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	b := s.backupOf(rec)
	c.Backup = &b
	return c, true, nil
}

// holding is host's backup of sum taken at at (or just after).
func (s *Store) holding(host string, sum [32]byte, at time.Time) (Backup, bool) {
	if s.db == nil { // a dry run on a store not made yet
		return Backup{}, false
	}
	var found *index.Record
	_ = s.db.List(index.Query{Hosts: []string{host}, Since: at, Until: at.Add(copyWindow)}, func(r index.Record) error {
		if r.SHA256 == sum {
			found = &r
		}
		return nil
	})
	if found == nil {
		return Backup{}, false
	}
	return s.backupOf(*found), true
}

// adoptCopy writes data as a backup of host dated at, as Create writes
// one (durable, then indexed).
func (s *Store) adoptCopy(ctx context.Context, host, config string, data []byte, at time.Time) (Backup, error) {
	dir := filepath.Join(s.root, host)
	if _, _, err := hatomic.EnsureDir(s.fs, dir, DirMode, false); err != nil {
		return Backup{}, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	rec := index.Record{
		Host: host, OriginalPath: config, OriginalSize: int64(len(data)), StoredSize: int64(len(data)),
		SHA256: blob.Sum(data), Compression: index.None, Parse: parseStatus(host, data), Created: at,
	}
	if err := ctx.Err(); err != nil {
		return Backup{}, err
	}
	if err := s.publish(&rec, data); err != nil {
		return Backup{}, err
	}
	if err := s.db.Put(rec); err != nil {
		rmErr := s.fs.Remove(filepath.Join(s.root, filepath.FromSlash(rec.File)))
		return Backup{}, errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	return s.backupOf(rec), nil
}
