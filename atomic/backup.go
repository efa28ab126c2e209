package atomic

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// Backuper saves the current content of a file before it is overwritten.
type Backuper interface {
	// Backup saves path's current content and returns a function that puts
	// it back. A nil rollback means there was nothing to save.
	Backup(ctx context.Context, path string) (rollback func(context.Context) error, err error)
}

// WriteWithBackup is the backed-up atomic write: it backs path up through b
// (skipped when b is nil), then ReplaceFile; when the write fails, it calls
// the rollback and returns the write error joined with any rollback error.
//
// A failed backup stops everything before path is touched. A context
// cancelled after the backup counts as a failed write (path is not written,
// the rollback runs). The rollback gets a context that is not cancelled with
// ctx, so an interrupt cannot stop the undo half way.
func WriteWithBackup(ctx context.Context, fsys FS, b Backuper, path string, data []byte, perm fs.FileMode) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	var rollback func(context.Context) error
	if b != nil {
		var err error
		if rollback, err = b.Backup(ctx, path); err != nil {
			return fmt.Errorf("back up %s: %w", path, err)
		}
	}
	err := ctx.Err()
	if err != nil {
		err = fmt.Errorf("replace %s: %w", path, err)
	} else {
		err = ReplaceFile(fsys, path, data, perm)
	}
	if err == nil || rollback == nil {
		return err
	}
	if rbErr := rollback(context.WithoutCancel(ctx)); rbErr != nil {
		return errors.Join(err, fmt.Errorf("roll back %s: %w", path, rbErr))
	}
	return err
}
