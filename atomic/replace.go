package atomic

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"syscall"
)

// ReplaceFile durably replaces the content of the live file at path with
// data so that, at every instant and after any crash, path holds either its
// old or its new bytes. A symlinked path is written through to the resolved
// file and the link is kept. An existing target keeps its mode; a new one
// gets perm. The parent directory must exist (ErrNoDir otherwise).
//
// A target that is not a regular file gives ErrNotRegular, a dangling symlink
// ErrDanglingSymlink; neither is touched. On any error before the rename the
// target is unchanged and no temp file is left. If only the final directory
// fsync fails, the new content is already in place (there is nothing to go
// back to) but may not survive a crash; the error says so.
//
// While another program holds the target (Windows only), the rename is
// retried for up to about 2 s, then ErrInUse: the target is unchanged.
func ReplaceFile(fsys FS, path string, data []byte, perm fs.FileMode) error {
	return replaceFile(fsys, path, data, perm, platformRetry)
}

// ReplaceFileFrom is ReplaceFile for content that is streamed rather than
// held: write is called once with the temp file beside the target and
// writes the new content to it. An error from write (a checksum that does
// not match, found at the end of the stream) fails the replace before the
// rename: the target keeps its old bytes and no temp file is left.
func ReplaceFileFrom(fsys FS, path string, write func(io.Writer) error, perm fs.FileMode) error {
	return replaceFileFrom(fsys, path, write, perm, platformRetry)
}

func replaceFile(fsys FS, path string, data []byte, perm fs.FileMode, retry retryPolicy) error {
	return replaceFileFrom(fsys, path, bytesWriter(data), perm, retry)
}

func replaceFileFrom(fsys FS, path string, write func(io.Writer) error, perm fs.FileMode, retry retryPolicy) error {
	target, mode, err := resolveTarget(fsys, path, perm)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	tmp, err := writeTemp(fsys, dir, filepath.Base(target), write, mode)
	if err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := retry.do(func() error { return fsys.Rename(tmp, target) }, nil); err != nil {
		return fmt.Errorf("replace %s: publish: %w", path, errors.Join(err, removeTemp(fsys, tmp)))
	}
	if err := fsys.SyncDir(dir); err != nil {
		return fmt.Errorf("replace %s: new content in place but not durable: %w", path, err)
	}
	return nil
}

// resolveTarget returns the file ReplaceFile must replace (path, or what a
// symlink at path resolves to) and the mode the new content gets.
func resolveTarget(fsys FS, path string, perm fs.FileMode) (string, fs.FileMode, error) {
	fi, err := fsys.Lstat(path)
	if isNotExist(err) {
		return path, perm, checkDir(fsys, filepath.Dir(path))
	}
	if err != nil {
		return "", 0, fmt.Errorf("replace %s: %w", path, err)
	}
	target := path
	if fi.Mode()&fs.ModeSymlink != 0 {
		if target, err = fsys.EvalSymlinks(path); errors.Is(err, fs.ErrNotExist) {
			return "", 0, fmt.Errorf("%w: %s: %w", ErrDanglingSymlink, path, err)
		}
		if err == nil {
			fi, err = fsys.Stat(target)
		}
		if err != nil {
			return "", 0, fmt.Errorf("replace %s: resolve symlink: %w", path, err)
		}
	}
	if !fi.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%w: %s (%s)", ErrNotRegular, path, fi.Mode().Type())
	}
	// Only the permission bits: the kernel clears setuid/setgid on a write
	// too, and new content must not inherit them.
	return target, fi.Mode().Perm(), nil
}

// checkDir returns ErrNoDir unless dir is an existing directory.
func checkDir(fsys FS, dir string) error {
	fi, err := fsys.Stat(dir)
	switch {
	case isNotExist(err):
		return fmt.Errorf("%w: %s", ErrNoDir, dir)
	case err != nil:
		return fmt.Errorf("stat %s: %w", dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%w: %s is not a directory", ErrNoDir, dir)
	}
	return nil
}

// isNotExist is true when a path or one of its parents is missing, or when a
// parent is a file (ENOTDIR): either way there is no such directory.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
