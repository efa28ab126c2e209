package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
)

// RestoreOptions select a backup and where it goes.
type RestoreOptions struct {
	Host string
	// Timestamp selects the backup; "" means the latest that is neither a
	// safety backup nor future-dated (LatestToRestore).
	Timestamp string
	// To is the target; "" means the path the backup was taken from.
	To string
	// DryRun says what would happen and changes nothing.
	DryRun bool
	// NoBackup skips the safety backup of the current target.
	NoBackup bool
}

// RestoreResult says what Restore did (or, dry, would do).
type RestoreResult struct {
	DryRun   bool
	Changed  bool // the target's content differs (differed) from the backup
	Target   string
	Restored Backup
	// SafetyBackup is the backup of the target's previous content, marked
	// Safety; nil when none was taken (dry run, --no-backup, no previous
	// content, or no change).
	SafetyBackup *Backup
}

// Restore puts a backup back: it checks the backup against the index, backs
// up the current target (a safety backup), then replaces the target
// atomically, keeping its mode and writing through a symlink.
//
// Without a timestamp it takes LatestToRestore, never a safety backup: a
// second restore after the application broke its config again, or a
// retry after a restore that failed once its safety backup was taken,
// puts back the same good backup instead of the broken content.
func (s *Store) Restore(ctx context.Context, o RestoreOptions) (RestoreResult, error) {
	res := RestoreResult{DryRun: o.DryRun}
	if !o.DryRun {
		if err := s.writable(); err != nil {
			return res, err
		}
	}
	b, err := s.FindToRestore(ctx, o.Host, o.Timestamp)
	if err != nil {
		return res, err
	}
	res.Restored = b
	if res.Target, err = s.restoreTarget(b, o.To); err != nil {
		return res, err
	}
	data, err := s.Read(b)
	if err != nil {
		return res, err
	}
	if err := s.CheckOutside(res.Target); err != nil {
		return res, fmt.Errorf("restore target %w", err)
	}
	current, exists, err := s.readTarget(res.Target)
	if err != nil {
		return res, err
	}
	res.Changed = !exists || !bytes.Equal(current, data)
	if o.DryRun || !res.Changed {
		return res, nil
	}
	if exists && !o.NoBackup {
		safety, err := s.store(ctx, b.Host, res.Target, current, false, true)
		if err != nil {
			return res, fmt.Errorf("safety backup of %s: %w", res.Target, err)
		}
		res.SafetyBackup = &safety
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, s.replace(res.Target, data)
}

func (s *Store) restoreTarget(b Backup, to string) (string, error) {
	if to == "" {
		to = b.OriginalPath
	}
	if to == "" {
		h, _ := LookupHost(b.Host)
		return "", fmt.Errorf("backup %s: %w: give --to (the usual path of %s is %s)",
			b.Timestamp, ErrNoOriginalPath, b.Host, h.ConfigPath(s.env))
	}
	return filepath.Abs(to)
}

// readTarget reads the current content of a restore target; exists is
// false when there is none yet. Its folder must exist.
func (s *Store) readTarget(target string) (current []byte, exists bool, err error) {
	current, err = s.readConfig(target)
	if errors.Is(err, ErrConfigMissing) {
		dir := filepath.Dir(target)
		if fi, err := s.fs.Stat(dir); err != nil || !fi.IsDir() {
			return nil, false, fmt.Errorf("restore target folder %s: %w", dir, ErrConfigMissing)
		}
		return nil, false, nil
	}
	return current, err == nil, err
}

// replace writes data over the live file at target, atomically.
func (s *Store) replace(target string, data []byte) error {
	err := hatomic.ReplaceFile(s.fs, target, data, FileMode)
	if errors.Is(err, hatomic.ErrNoDir) || errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore target %s: %w: %w", target, ErrConfigMissing, err)
	}
	if errors.Is(err, hatomic.ErrNotRegular) {
		return fmt.Errorf("restore target %s: %w: %w", target, ErrInvalid, err)
	}
	if err != nil {
		return fmt.Errorf("restore to %s: %w", target, err)
	}
	return nil
}
