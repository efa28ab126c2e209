package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// fileFacts is what verify judges of a store file besides its bytes: its
// type and permission bits, and why someone else owns it ("" when this
// process's user does).
type fileFacts struct {
	mode    fs.FileMode
	foreign string
	// mtime is the modification time in Unix nanoseconds: adoption reads
	// a name's zone from it (see instantOf).
	mtime int64
}

func factsOf(fi fs.FileInfo) fileFacts {
	return fileFacts{mode: fi.Mode(), foreign: foreignOwner(fi), mtime: fi.ModTime().UnixNano()}
}

// readOwned reads a backup file that the store is about to adopt: it opens
// p without following a symlink, refuses anything but a regular file of at
// most limit bytes, makes its mode FileMode (through the open file, so
// never through a link) and reads it whole into buf, which it grows as
// needed and returns as data. facts are the file's, after the chmod.
//
// A missing file or one that is not a regular file is ErrIntegrity; a
// larger one is ErrInvalid. With the real file system on Linux and macOS
// it makes five system calls on a bare descriptor (open, fstat, a read of
// the bytes and one that sees the end, close; fchmod when the mode is
// loose); with three lstats and os.File's poller set-up (four fcntl, an
// epoll_ctl), adoption and the verify after it used to make thirteen.
// Otherwise, and under a test's seam, it goes through s.fs.
func (s *Store) readOwned(p string, limit int64, buf []byte) (data []byte, facts fileFacts, err error) {
	if s.realFS && rawReads {
		return readOwnedRaw(p, limit, buf)
	}
	return s.readOwnedFS(p, limit, buf)
}

// readOwnedFS is readOwned through the file-system seam.
func (s *Store) readOwnedFS(p string, limit int64, buf []byte) ([]byte, fileFacts, error) {
	fi, err := s.fs.Lstat(p)
	if err != nil {
		return nil, fileFacts{}, ownedOpenError(p, err)
	}
	if err := ownedShape(p, fi.Mode(), fi.Size(), limit); err != nil {
		return nil, fileFacts{}, err
	}
	f, err := s.fs.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return nil, fileFacts{}, ownedOpenError(p, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fileFacts{}, err
	}
	facts := factsOf(fi)
	if err := ownedShape(p, fi.Mode(), fi.Size(), limit); err != nil {
		return nil, facts, err
	}
	if perm := fi.Mode().Perm(); modeMatters && perm&^FileMode != 0 {
		// Only ever remove bits: a 0400 backup stays 0400.
		if err := f.Chmod(perm & FileMode); err != nil {
			return nil, facts, err
		}
		facts.mode = perm & FileMode
	}
	buf, err = readToEnd(p, f.Read, fi.Size(), limit, buf)
	return buf, facts, err
}

// ownedOpenError says what a failed open or stat of a backup file means:
// damage when the file is gone, a plain failure otherwise.
func ownedOpenError(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup %s: %w: file is missing", p, ErrIntegrity)
	}
	return err
}

// ownedShape refuses what readOwned does not read: anything but a regular
// file, or a file larger than limit.
func ownedShape(p string, mode fs.FileMode, size, limit int64) error {
	if !mode.IsRegular() {
		return fmt.Errorf("backup %s: %w: %s, not a regular file", p, ErrIntegrity, fileKind(mode))
	}
	if size > limit {
		return tooLarge(p, limit)
	}
	return nil
}

func tooLarge(p string, limit int64) error {
	return fmt.Errorf("%s: %w: larger than %d bytes", p, ErrInvalid, limit)
}

// readToEnd reads with read until the end into buf (grown to hold size
// bytes and one more, so that the end is seen without a copy); past limit
// it is ErrInvalid.
func readToEnd(p string, read func([]byte) (int, error), size, limit int64, buf []byte) ([]byte, error) {
	want := int(min(size, limit)) + 1
	if cap(buf) < want {
		buf = make([]byte, 0, want)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > limit {
				return nil, tooLarge(p, limit)
			}
			buf = append(buf, 0)[:len(buf)] // the file grew: make room
		}
		n, err := read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
	}
	if int64(len(buf)) > limit {
		return nil, tooLarge(p, limit)
	}
	return buf, nil
}
