package store

import (
	"errors"
	"fmt"
	"io/fs"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
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

// readOwned reads a backup file that the store is about to adopt: it
// refuses anything but a regular file of at most limit bytes (a symlink is
// never followed, see ownedOpen; the open file's Stat judges the rest), makes
// its mode FileMode through the open file, and reads it whole into buf,
// which it grows as needed and returns as data. facts are the file's,
// after the chmod.
//
// A missing file or one that is not a regular file is ErrIntegrity; a
// larger one is ErrInvalid.
func (s *Store) readOwned(p string, limit int64, buf []byte) (data []byte, facts fileFacts, err error) {
	if ownedLstat {
		fi, err := s.fs.Lstat(p)
		if err != nil {
			return nil, fileFacts{}, ownedOpenError(p, err)
		}
		if err := ownedShape(p, fi.Mode(), fi.Size(), limit); err != nil {
			return nil, fileFacts{}, err
		}
	}
	data, err = s.read(p, ownedOpen, limit, buf, func(f hatomic.File, fi fs.FileInfo) error {
		facts = factsOf(fi)
		if err := ownedShape(p, fi.Mode(), fi.Size(), limit); err != nil {
			return err
		}
		if perm := fi.Mode().Perm(); modeMatters && perm&^FileMode != 0 {
			// Only ever remove bits: a 0400 backup stays 0400.
			if err := f.Chmod(perm & FileMode); err != nil {
				return err
			}
			facts.mode = perm & FileMode
		}
		return nil
	})
	switch {
	case isSymlinkRefusal(err):
		err = ownedShape(p, fs.ModeSymlink, 0, limit)
	case errors.Is(err, fs.ErrNotExist):
		err = ownedOpenError(p, err)
	}
	return data, facts, err
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
