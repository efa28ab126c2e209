package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
	if streamedBackup(b) {
		return s.restoreStreamed(ctx, o, b, res)
	}
	data, err := s.Read(b)
	if err != nil {
		return res, err
	}
	if err := s.CheckOutside(res.Target); err != nil {
		return res, fmt.Errorf("restore target %w", err)
	}
	if big, err := s.bigTarget(res.Target); err != nil || big {
		if err != nil {
			return res, err
		}
		// The backup is small and the target is not: they differ, and the
		// target is backed up as a stream.
		res.Changed = true
		return res, s.restoreOver(ctx, o, b, &res, true, func() error { return s.replace(res.Target, data) })
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

// restoreStreamed is Restore for a backup above StreamThreshold, in fixed
// memory: a first streamed pass checks the backup (a damaged one changes
// nothing), the target is compared by its sha256, and the backup is then
// decoded as a stream into a temp file beside the target whose sha256 is
// checked again before the rename: the target is never partly written.
func (s *Store) restoreStreamed(ctx context.Context, o RestoreOptions, b Backup, res RestoreResult) (RestoreResult, error) {
	if err := s.checkIntact(b); err != nil {
		return res, err
	}
	if err := s.CheckOutside(res.Target); err != nil {
		return res, fmt.Errorf("restore target %w", err)
	}
	exists, err := s.targetExists(res.Target)
	if err != nil {
		return res, err
	}
	res.Changed = !exists
	if exists {
		sum, size, err := s.configSum(res.Target)
		if err != nil {
			return res, err
		}
		res.Changed = size != b.OriginalSize || sum != b.SHA256
	}
	if o.DryRun || !res.Changed {
		return res, nil
	}
	return res, s.restoreOver(ctx, o, b, &res, exists, func() error { return s.replaceFrom(res.Target, s.verifiedWriter(b)) })
}

// restoreOver takes the safety backup of the target (streamed when it is
// big) unless o says not to or there is none, then calls put.
func (s *Store) restoreOver(ctx context.Context, o RestoreOptions, b Backup, res *RestoreResult, exists bool, put func() error) error {
	if o.DryRun {
		return nil
	}
	if exists && !o.NoBackup {
		safety, err := s.storeConfig(ctx, b.Host, res.Target, false, true)
		if err != nil {
			return fmt.Errorf("safety backup of %s: %w", res.Target, err)
		}
		res.SafetyBackup = &safety
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return put()
}

// bigTarget reports whether the restore target holds a config above
// StreamThreshold; a missing one is not.
func (s *Store) bigTarget(target string) (bool, error) {
	fi, err := s.configInfo(target)
	if errors.Is(err, ErrConfigMissing) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return streamed(fi.Size()), nil
}

// targetExists reports whether the restore target exists (a regular
// file); when it does not, its folder must.
func (s *Store) targetExists(target string) (bool, error) {
	_, err := s.configInfo(target)
	if errors.Is(err, ErrConfigMissing) {
		dir := filepath.Dir(target)
		if fi, err := s.fs.Stat(dir); err != nil || !fi.IsDir() {
			return false, fmt.Errorf("restore target folder %s: %w", dir, ErrConfigMissing)
		}
		return false, nil
	}
	return err == nil, err
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
	return replaceError(target, hatomic.ReplaceFile(s.fs, target, data, FileMode))
}

// replaceFrom is replace with the content streamed by write; an error of
// write leaves the target as it was.
func (s *Store) replaceFrom(target string, write func(io.Writer) error) error {
	return replaceError(target, hatomic.ReplaceFileFrom(s.fs, target, write, FileMode))
}

// replaceError names the restore target in an error of a replace.
func replaceError(target string, err error) error {
	if IsIntegrity(err) {
		return err
	}
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
