package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"time"
)

// Lock is the store lock (<root>/lock).
//
// It is an advisory lock (flock on Unix, LockFileEx on Windows) held through
// its own open file: two AcquireLock calls conflict even within one
// process. It is released by Release or when the process exits, however
// it exits.
type Lock struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

// maxLockBackoff caps the pause between two attempts to take a lock.
const maxLockBackoff = 50 * time.Millisecond

// errWouldBlock is what tryLock returns when another holder conflicts.
var errWouldBlock = errors.New("lock is held")

// AcquireLock takes the store lock file at path (created 0600 if missing,
// O_NOFOLLOW): exclusive for writers, shared for readers, polling until
// timeout (0: try once); ErrLocked when it expires.
//
// The file is created with mode 0600 whatever the umask; a symlink or
// anything but a regular file at path is refused. A shared lock opens the
// file read-only, so readers work on a read-only root where the file
// exists.
func AcquireLock(path string, exclusive bool, timeout time.Duration) (*Lock, error) {
	return AcquireLockContext(context.Background(), path, exclusive, timeout)
}

// AcquireLockContext is AcquireLock that also gives up, with ctx's error,
// when ctx is done: an interrupted command does not sit out the timeout.
func AcquireLockContext(ctx context.Context, path string, exclusive bool, timeout time.Duration) (*Lock, error) {
	f, err := openLockFile(path, exclusive)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(timeout)
	for pause := time.Millisecond; ; pause = min(2*pause, maxLockBackoff) {
		err := tryLock(f, exclusive)
		if err == nil {
			return &Lock{f: f, path: path}, nil
		}
		left := time.Until(deadline)
		if err != errWouldBlock || left <= 0 {
			f.Close()
			if err == errWouldBlock {
				return nil, fmt.Errorf("lock %s: %w (waited %s)", path, ErrLocked, max(timeout, 0))
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		wait := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			wait.Stop()
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, ctx.Err())
		case <-wait.C:
		}
	}
}

// openLockFile opens the lock file, creating it if it is missing.
func openLockFile(path string, exclusive bool) (*os.File, error) {
	flag := os.O_RDONLY
	if exclusive {
		flag = os.O_RDWR // NFS emulates flock with byte-range locks: writers need write access
	}
	if err := refuseSymlink(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|noFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		f, err = createLockFile(path, flag)
	}
	switch {
	case errors.Is(err, syscall.ELOOP):
		return nil, fmt.Errorf("lock %s: it is a symlink, which is never followed", path)
	case err != nil:
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("not a regular file (%s)", fi.Mode())
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// createLockFile creates the lock file with mode 0600 whatever the umask;
// if another process created it first, it opens that one.
func createLockFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|os.O_CREATE|os.O_EXCL|noFollow, FileMode)
	if errors.Is(err, fs.ErrExist) {
		return os.OpenFile(path, flag|noFollow, 0)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(FileMode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// refuseSymlink is the check O_NOFOLLOW makes on Unix, done first so the
// message is plain, and the only one on Windows.
func refuseSymlink(path string) error {
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("lock %s: it is a symlink, which is never followed", path)
	}
	return nil
}

// Release drops the lock and closes its file. Calling it again does
// nothing and returns nil.
func (l *Lock) Release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := errors.Join(unlock(l.f), l.f.Close())
	l.f = nil
	if err != nil {
		return fmt.Errorf("release lock %s: %w", l.path, err)
	}
	return nil
}
