package atomic

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
)

// EnsureDir makes dir (one level, parent must exist unless parents is true)
// with exactly mode perm whatever the umask. An existing directory whose mode
// is more open than perm is tightened; tightened reports that. A symlink or a
// non-directory at dir is an error.
//
// Details: a missing parent gives ErrNoDir (parents false) or is created with
// perm too (parents true; existing parents, symlinked or not, are left
// alone). Tightening only removes bits (0755 becomes 0700 for perm 0700, 0500
// stays 0500, 0555 becomes 0500: a read-only directory stays read-only) and
// keeps setgid/sticky. A new directory's entry is fsynced in its parent. Something other than a directory at dir gives ErrNotDir. On
// Windows, where mode bits mean little, a new directory with an owner-only
// perm gets an owner-only ACL instead (see the package doc) and an existing
// directory is never tightened. created and tightened are meaningful only
// when err is nil.
func EnsureDir(fsys FS, dir string, perm fs.FileMode, parents bool) (created, tightened bool, err error) {
	fi, err := fsys.Lstat(dir)
	if isNotExist(err) {
		err = mkdir(fsys, dir, perm, parents)
		switch {
		case err == nil:
			return true, false, nil
		case errors.Is(err, fs.ErrExist):
			// Another process made it first: judge what it made.
			fi, err = fsys.Lstat(dir)
		case isNotExist(err):
			return false, false, fmt.Errorf("%w: %s", ErrNoDir, filepath.Dir(dir))
		}
	}
	if err != nil {
		return false, false, fmt.Errorf("ensure dir %s: %w", dir, err)
	}
	tightened, err = tighten(fsys, dir, fi, perm)
	return false, tightened, err
}

// mkdir creates dir with exactly perm (mkdir, then chmod past the umask) and
// fsyncs its parent so the new entry survives a crash; with parents, missing
// parents first.
func mkdir(fsys FS, dir string, perm fs.FileMode, parents bool) error {
	parent := filepath.Dir(dir)
	if parents && parent != dir {
		if err := mkParent(fsys, parent, perm); err != nil {
			return err
		}
	}
	if err := fsys.Mkdir(dir, perm); err != nil {
		return err
	}
	if err := fsys.Chmod(dir, perm); err != nil {
		return err
	}
	return fsys.SyncDir(parent)
}

// mkParent makes sure dir is a directory, creating it and its own missing
// parents with perm. Unlike the leaf, a parent may be a symlink to a
// directory (/home -> /usr/home) and is never chmodded when it exists.
func mkParent(fsys FS, dir string, perm fs.FileMode) error {
	fi, err := fsys.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return fmt.Errorf("%w: %s", ErrNotDir, dir)
	case !isNotExist(err):
		return err
	}
	if err := mkdir(fsys, dir, perm, true); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return nil
}

// tighten removes from an existing directory's mode the bits perm lacks.
func tighten(fsys FS, dir string, fi fs.FileInfo, perm fs.FileMode) (bool, error) {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("%w: %s is a symlink", ErrNotDir, dir)
	case !fi.IsDir():
		return false, fmt.Errorf("%w: %s (%s)", ErrNotDir, dir, fi.Mode().Type())
	}
	old := fi.Mode().Perm()
	if old&^perm == 0 || runtime.GOOS == "windows" {
		return false, nil
	}
	mode := old&perm | fi.Mode()&(fs.ModeSetgid|fs.ModeSticky)
	if err := fsys.Chmod(dir, mode); err != nil {
		return false, fmt.Errorf("tighten %s: %w", dir, err)
	}
	return true, nil
}
