package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
)

// PrepareBackup backs up configPath under host before a caller changes it
// (the seed's BackupAwareOperation.prepare_backup). It returns a nil
// result, and no error, when noBackup is set or the config does not exist
// yet: there is nothing to lose.
func (s *Store) PrepareBackup(ctx context.Context, host, configPath string, noBackup bool) (*Result, error) {
	if noBackup {
		return nil, nil
	}
	res, err := s.Create(ctx, CreateOptions{Host: host, ConfigPath: configPath})
	if errors.Is(err, ErrConfigMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// RollbackOnFailure puts configPath back to the content PrepareBackup
// saved, atomically, after checking the backup. A nil result means nothing
// was saved and nothing is done.
func (s *Store) RollbackOnFailure(ctx context.Context, res *Result, configPath string) error {
	if res == nil {
		return nil
	}
	if streamedBackup(res.Backup) {
		// Checked first, then streamed into place in fixed memory.
		if err := s.checkIntact(res.Backup); err != nil {
			return fmt.Errorf("rollback of %s: %w", configPath, err)
		}
		target, err := s.rollbackTarget(configPath)
		if err != nil {
			return err
		}
		return s.replaceFrom(target, s.verifiedWriter(res.Backup))
	}
	data, err := s.Read(res.Backup)
	if err != nil {
		return fmt.Errorf("rollback of %s: %w", configPath, err)
	}
	target, err := s.rollbackTarget(configPath)
	if err != nil {
		return err
	}
	return s.replace(target, data)
}

// rollbackTarget is configPath made absolute, outside the store.
func (s *Store) rollbackTarget(configPath string) (string, error) {
	target, err := filepath.Abs(configPath)
	if err != nil {
		return "", err
	}
	if err := s.CheckOutside(target); err != nil {
		return "", fmt.Errorf("rollback of %w", err)
	}
	return target, nil
}

// Modify runs a caller's change of configPath between a backup and, should
// fn fail, a rollback to that backup. The store lock is held throughout, so
// no other hatch-backup runs in between.
func (s *Store) Modify(ctx context.Context, host, configPath string, noBackup bool, fn func(context.Context) error) (*Result, error) {
	if err := s.CheckOutside(configPath); err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	res, err := s.PrepareBackup(ctx, host, configPath, noBackup)
	if err != nil {
		return nil, err
	}
	if err := fn(ctx); err != nil {
		return res, errors.Join(err, s.RollbackOnFailure(ctx, res, configPath))
	}
	return res, nil
}

// WriteConfig replaces configPath's content with data atomically, after a
// backup of the old content that it rolls back to if the write fails (the
// seed's AtomicFileOperations.atomic_write).
func (s *Store) WriteConfig(ctx context.Context, host, configPath string, data []byte, noBackup bool) (*Result, error) {
	if err := s.writable(); err != nil {
		return nil, err
	}
	if _, err := LookupHost(host); err != nil {
		return nil, err
	}
	if err := s.CheckOutside(configPath); err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	bk := &backuper{s: s, host: host}
	var b hatomic.Backuper = bk
	if noBackup {
		b = nil
	}
	err := hatomic.WriteWithBackup(ctx, s.fs, b, configPath, data, FileMode)
	return bk.res, err
}

// backuper lets the atomic writer back up through the store.
type backuper struct {
	s    *Store
	host string
	res  *Result
}

func (b *backuper) Backup(ctx context.Context, path string) (func(context.Context) error, error) {
	res, err := b.s.PrepareBackup(ctx, b.host, path, false)
	if err != nil || res == nil {
		return nil, err
	}
	b.res = res
	return func(ctx context.Context) error { return b.s.RollbackOnFailure(ctx, res, path) }, nil
}
