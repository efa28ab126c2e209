package store

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// CheckOutside refuses path, a file a command is about to write outside the
// store, when the write would in fact land inside the backup root: the root
// itself, the index, the lock, a host folder or anything below them. It
// returns ErrInvalid naming path, and must be called before anything is
// written (no safety backup either). Every command that writes a file
// outside the store calls it: restore today, and import, watch and any
// later writer of configs must too, so that no command can overwrite the
// backups it is meant to protect.
//
// The write's real place is judged: path made absolute and cleaned as the
// write will use it, symlinks resolved (the folders', and the file's own,
// as a write through a symlinked config lands where the link points), the
// folders that exist resolved even when the file does not exist yet. Paths
// compare case-insensitively on Windows and macOS, and every existing
// folder on the way up is also compared with the root by identity, which
// catches what names alone miss (8.3 names, Unicode forms, bind mounts).
// A link swapped in after the check is not caught: the check guards
// against mistakes, not against a rival process of the same user.
func (s *Store) CheckOutside(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s: %w: %w", path, ErrInvalid, err)
	}
	real := s.landsAt(abs, 0)
	realRoot := s.root
	if r, err := s.fs.EvalSymlinks(s.root); err == nil {
		realRoot = r
	}
	if within(abs, s.root) || within(real, realRoot) || within(real, s.root) || s.sameAncestor(real) {
		return fmt.Errorf("%s: %w: it is inside the backup root %s, where only hatch-backup writes", path, ErrInvalid, s.root)
	}
	return nil
}

// maxLinks bounds the symlinks followed, as the kernel's ELOOP does.
const maxLinks = 40

// landsAt returns where a write to the clean absolute path p really goes.
func (s *Store) landsAt(p string, hops int) string {
	if real, err := s.fs.EvalSymlinks(p); err == nil {
		return real
	}
	parent := filepath.Dir(p)
	if fi, err := s.fs.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 && hops < maxLinks {
		// A dangling link: the file would be made where it points.
		if to, err := os.Readlink(p); err == nil {
			if !filepath.IsAbs(to) {
				to = filepath.Join(s.landsAt(parent, hops+1), to)
			}
			return s.landsAt(filepath.Clean(to), hops+1)
		}
	}
	if parent == p {
		return p
	}
	return filepath.Join(s.landsAt(parent, hops), filepath.Base(p))
}

// sameAncestor reports whether p or a folder above it is the root itself.
func (s *Store) sameAncestor(p string) bool {
	root, err := s.fs.Stat(s.root)
	if err != nil {
		return false
	}
	for {
		if fi, err := s.fs.Stat(p); err == nil && os.SameFile(fi, root) {
			return true
		}
		parent := filepath.Dir(p)
		if parent == p {
			return false
		}
		p = parent
	}
}

// within reports whether p is dir or below it, by name.
func within(p, dir string) bool {
	if foldCase {
		p, dir = strings.ToLower(p), strings.ToLower(dir)
	}
	if p == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(p, dir)
}

// foldCase: the usual file systems of Windows and macOS ignore case.
const foldCase = runtime.GOOS == "windows" || runtime.GOOS == "darwin"
