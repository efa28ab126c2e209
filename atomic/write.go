package atomic

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"
)

// WriteNew durably writes data to a new file at path with exactly mode perm
// (whatever the umask): temp file in path's directory (O_CREATE|O_EXCL, 0600),
// write, check count, chmod, fsync, close, RenameNoReplace, SyncDir.
// It never replaces an existing name: a taken name (even a symlink) gives an
// error matching both ErrExist and fs.ErrExist, and the temp file is removed.
// On any error path does not exist afterwards (if the directory fsync fails,
// the just-published file is removed again) and no temp file is left.
// A publish refused because another program holds the temp file (an
// antivirus scanning it, on Windows) is retried for up to about 2 s, then
// ErrInUse.
func WriteNew(fsys FS, path string, data []byte, perm fs.FileMode) error {
	return writeNew(fsys, path, data, perm, time.Time{}, platformRetry)
}

// WriteNewAt is WriteNew that also sets the file's modification time to
// mtime (its access time is left alone), before the fsync, so that the
// date is as durable as the bytes. The store dates each backup file with
// the backup's instant: a rebuilt index can then tell in which zone the
// name's wall clock was written.
func WriteNewAt(fsys FS, path string, data []byte, perm fs.FileMode, mtime time.Time) error {
	return writeNew(fsys, path, data, perm, mtime, platformRetry)
}

// WriteNewFromAt is WriteNewAt for content that is streamed rather than
// held: write is called once with the temp file and writes the content to
// it (from a reader, through an encoder); an error from write fails the
// whole write, leaving no file. Memory is whatever write uses.
func WriteNewFromAt(fsys FS, path string, write func(io.Writer) error, perm fs.FileMode, mtime time.Time) error {
	return writeNewFrom(fsys, path, write, perm, mtime, platformRetry)
}

func writeNew(fsys FS, path string, data []byte, perm fs.FileMode, mtime time.Time, retry retryPolicy) error {
	return writeNewFrom(fsys, path, bytesWriter(data), perm, mtime, retry)
}

// bytesWriter writes data in one Write and checks the count.
func bytesWriter(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		n, err := w.Write(data)
		if err != nil {
			return fmt.Errorf("write temp file: %w", err)
		}
		if n != len(data) {
			return fmt.Errorf("%w: %d of %d bytes", ErrShortWrite, n, len(data))
		}
		return nil
	}
}

func writeNewFrom(fsys FS, path string, write func(io.Writer) error, perm fs.FileMode, mtime time.Time, retry retryPolicy) error {
	dir := filepath.Dir(path)
	tmp, err := writeTempAt(fsys, dir, filepath.Base(path), write, perm, mtime)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	publish := func() error { return fsys.RenameNoReplace(tmp, path) }
	if err := retry.do(publish, takenMeanwhile(fsys, path)); err != nil {
		rmErr := removeTemp(fsys, tmp)
		if errors.Is(err, fs.ErrExist) {
			return errors.Join(fmt.Errorf("%w: %s", ErrExist, path), rmErr)
		}
		return fmt.Errorf("write %s: publish: %w", path, errors.Join(err, rmErr))
	}
	if err := fsys.SyncDir(dir); err != nil {
		// The name is visible but may not survive a crash. A caller told
		// "failed" must find nothing, so take the name back: it is ours.
		return fmt.Errorf("write %s: %w", path, errors.Join(err, removeTemp(fsys, path)))
	}
	return nil
}

// writeTemp runs the protocol up to the publish step: it returns the name of
// a closed, fsynced temp file in dir holding data with mode perm. On error
// no temp file is left (unless even removing it failed, which is reported).
func writeTemp(fsys FS, dir, base string, write func(io.Writer) error, perm fs.FileMode) (string, error) {
	return writeTempAt(fsys, dir, base, write, perm, time.Time{})
}

// writeTempAt is writeTemp that sets the temp file's modification time to
// mtime (unless zero) after the last write and before the fsync.
func writeTempAt(fsys FS, dir, base string, write func(io.Writer) error, perm fs.FileMode, mtime time.Time) (string, error) {
	f, err := createTemp(fsys, dir, base)
	if isNotExist(err) {
		return "", fmt.Errorf("%w: %s", ErrNoDir, dir)
	}
	if err != nil {
		return "", fmt.Errorf("create temp file: %w", err)
	}
	err = fill(fsys, f, write, perm, mtime)
	// Close even after a failure: the descriptor must go. Its error counts
	// only when nothing failed before (a failed close may mean lost data,
	// as on NFS).
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close temp file: %w", cerr)
	}
	if err != nil {
		return "", errors.Join(err, removeTemp(fsys, f.Name()))
	}
	return f.Name(), nil
}

// fill writes the content (with write), sets the final mode (and mtime, unless zero) and
// fsyncs. The chmod goes through
// the open file, before the fsync: it cannot be redirected by a name swapped
// in the directory, and the fsync makes the mode as durable as the bytes.
func fill(fsys FS, f File, write func(io.Writer) error, perm fs.FileMode, mtime time.Time) error {
	if err := write(f); err != nil {
		if errors.Is(err, ErrShortWrite) {
			return fmt.Errorf("%w to %s", err, f.Name())
		}
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("chmod temp file: %w", err)
	}
	// By name: File has no way to set times. The temp name is fresh
	// (O_EXCL) and no later write follows, so the date stays.
	if !mtime.IsZero() {
		if err := fsys.Chtimes(f.Name(), time.Time{}, mtime); err != nil {
			return fmt.Errorf("date temp file: %w", err)
		}
	}
	// A failed fsync is final: the kernel may have dropped the dirty pages,
	// so a retry that succeeds would prove nothing.
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync temp file: %w", err)
	}
	return nil
}

// removeTemp removes a file this package created; a file already gone is
// fine.
func removeTemp(fsys FS, name string) error {
	if err := fsys.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", name, err)
	}
	return nil
}

// takenMeanwhile tells the retry of a no-replace publish to stop when the
// name exists: Windows reports a taken name that is a directory, or a file
// being deleted, as access denied rather than "exists".
func takenMeanwhile(fsys FS, path string) func(error) error {
	return func(err error) error {
		if _, lerr := fsys.Lstat(path); lerr == nil {
			return fmt.Errorf("%w: %w", fs.ErrExist, err)
		}
		return nil
	}
}

// PublishNewAt is WriteNewAt without the final directory fsync: the file's
// bytes and date are durable, its name is not yet. A caller publishing many
// files in one directory fsyncs it once (FS.SyncDir) before relying on any
// of the names, which costs one fsync instead of one per file.
func PublishNewAt(fsys FS, path string, data []byte, perm fs.FileMode, mtime time.Time) error {
	dir := filepath.Dir(path)
	tmp, err := writeTempAt(fsys, dir, filepath.Base(path), bytesWriter(data), perm, mtime)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	publish := func() error { return fsys.RenameNoReplace(tmp, path) }
	if err := platformRetry.do(publish, takenMeanwhile(fsys, path)); err != nil {
		rmErr := removeTemp(fsys, tmp)
		if errors.Is(err, fs.ErrExist) {
			return errors.Join(fmt.Errorf("%w: %s", ErrExist, path), rmErr)
		}
		return fmt.Errorf("write %s: publish: %w", path, errors.Join(err, rmErr))
	}
	return nil
}
