package atomic

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// fakeBackuper saves the file's bytes in memory; its rollback writes them
// back and records that it ran, and with which context.
type fakeBackuper struct {
	backupErr   error
	rollbackErr error
	nothing     bool // return a nil rollback

	saved      []byte
	rolledBack bool
	rbCtxErr   error
}

func (b *fakeBackuper) Backup(ctx context.Context, path string) (func(context.Context) error, error) {
	if b.backupErr != nil {
		return nil, b.backupErr
	}
	if b.nothing {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b.saved = data
	return func(ctx context.Context) error {
		b.rolledBack, b.rbCtxErr = true, ctx.Err()
		if b.rollbackErr != nil {
			return b.rollbackErr
		}
		return os.WriteFile(path, b.saved, 0o600)
	}, nil
}

func TestWriteWithBackup(t *testing.T) {
	errBackup := errors.New("backup refused")
	errRollback := errors.New("rollback failed")
	tests := []struct {
		name         string
		b            *fakeBackuper
		writeErr     error // injected on the temp file's write
		cancel       bool
		wantErrs     []error
		wantRollback bool
		wantContent  string
	}{
		{"success", &fakeBackuper{}, nil, false, nil, false, "new"},
		{"no backuper", nil, nil, false, nil, false, "new"},
		{"nothing to save", &fakeBackuper{nothing: true}, syscall.ENOSPC, false, []error{syscall.ENOSPC}, false, "old"},
		{"write fails", &fakeBackuper{}, syscall.ENOSPC, false, []error{syscall.ENOSPC}, true, "old"},
		{"write and rollback fail", &fakeBackuper{rollbackErr: errRollback}, syscall.EIO, false,
			[]error{syscall.EIO, errRollback}, true, "old"},
		{"backup fails", &fakeBackuper{backupErr: errBackup}, nil, false, []error{errBackup}, false, "old"},
		{"cancelled", &fakeBackuper{}, nil, true, []error{context.Canceled}, false, "old"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json")
			writeFile(t, path, "old", 0o644)
			rec := NewRecorder(OS())
			if tt.writeErr != nil {
				rec.Fail("write", under(dir), tt.writeErr)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			}
			defer cancel()

			var b Backuper
			if tt.b != nil {
				b = tt.b
			}
			err := WriteWithBackup(ctx, rec, b, path, []byte("new"), 0o600)
			if len(tt.wantErrs) == 0 && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			for _, want := range tt.wantErrs {
				if !errors.Is(err, want) {
					t.Errorf("got %v, want it to match %v", err, want)
				}
			}
			if tt.b != nil && tt.b.rolledBack != tt.wantRollback {
				t.Errorf("rollback ran: %v, want %v", tt.b.rolledBack, tt.wantRollback)
			}
			if tt.b != nil && tt.b.rbCtxErr != nil {
				t.Errorf("rollback got a dead context: %v", tt.b.rbCtxErr)
			}
			assertContent(t, path, tt.wantContent)
			assertNoTemp(t, dir)
		})
	}
}

// Cancelled between the backup and the write: nothing is written, and the
// rollback runs with a live context.
func TestWriteWithBackupCancelledAfterBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	writeFile(t, path, "old", 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	b := &cancellingBackuper{fakeBackuper: &fakeBackuper{}, cancel: cancel}
	err := WriteWithBackup(ctx, OS(), b, path, []byte("new"), 0o600)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if !b.rolledBack || b.rbCtxErr != nil {
		t.Errorf("rolled back %v with context error %v, want true, nil", b.rolledBack, b.rbCtxErr)
	}
	assertContent(t, path, "old")
}

type cancellingBackuper struct {
	*fakeBackuper
	cancel context.CancelFunc
}

func (b *cancellingBackuper) Backup(ctx context.Context, path string) (func(context.Context) error, error) {
	defer b.cancel()
	return b.fakeBackuper.Backup(ctx, path)
}
