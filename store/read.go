package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"hatch-backup/blob"
	"hatch-backup/index"
)

// readFile reads a file the store owns. A symlink or anything but a
// regular file where a backup belongs is damage.
func (s *Store) readFile(p string, limit int64) ([]byte, error) {
	fi, err := s.fs.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("backup %s: %w: file is missing", p, ErrIntegrity)
		}
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("backup %s: %w: not a regular file (%s)", p, ErrIntegrity, fi.Mode().Type())
	}
	return s.readLimited(p, limit)
}

// readLimited reads at most limit bytes of p; a longer file is ErrInvalid.
func (s *Store) readLimited(p string, limit int64) ([]byte, error) {
	f, err := s.fs.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 && fi.Size() <= limit {
		buf.Grow(int(fi.Size()) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s: %w: larger than %d bytes", p, ErrInvalid, limit)
	}
	return buf.Bytes(), nil
}

// Read returns the original bytes of b after checking them against the
// index: the file's size, its decoding, and the sha256 of the result. Any
// mismatch is ErrIntegrity naming the file.
func (s *Store) Read(b Backup) ([]byte, error) {
	stored, err := s.readFile(b.Path, b.FileSize)
	if errors.Is(err, ErrInvalid) || (err == nil && int64(len(stored)) != b.FileSize) {
		return nil, fmt.Errorf("backup %s: %w: size differs from the index (%d bytes indexed)", b.Path, ErrIntegrity, b.FileSize)
	}
	if err != nil {
		return nil, err
	}
	data := stored
	if b.Compression == index.Zstd.String() {
		if data, err = blob.Decompress(stored, b.OriginalSize); err != nil {
			return nil, fmt.Errorf("backup %s: %w: %w", b.Path, ErrIntegrity, err)
		}
	}
	if int64(len(data)) != b.OriginalSize || blob.Sum(data) != b.SHA256 {
		return nil, fmt.Errorf("backup %s: %w: sha256 does not match the index", b.Path, ErrIntegrity)
	}
	return data, nil
}

// readConfig reads a live config (following symlinks, as hosts do). It
// must be a regular file of at most MaxConfigSize bytes.
func (s *Store) readConfig(p string) ([]byte, error) {
	fi, err := s.fs.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config %s: %w", p, ErrConfigMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", p, err)
	}
	switch {
	case fi.IsDir():
		return nil, fmt.Errorf("config %s: %w: is a directory", p, ErrInvalid)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("config %s: %w: not a regular file (%s)", p, ErrInvalid, fi.Mode().Type())
	case fi.Size() > MaxConfigSize:
		return nil, fmt.Errorf("config %s: %w: %d bytes, larger than the %d MiB limit", p, ErrInvalid, fi.Size(), MaxConfigSize>>20)
	}
	data, err := s.readLimited(p, MaxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	return data, nil
}
