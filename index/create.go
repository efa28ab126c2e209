package index

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hatch-backup/hatch-backup/internal/osfile"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// createFile makes a new, empty bbolt file at path atomically: bbolt
// initialises it under a temp name in the same folder (and syncs it), then
// it is linked into place without replacing anything, and the folder is
// synced. A crash leaves no index or a whole one, never the 0-byte index.db
// that Open must call damage; at worst a temp file stays behind, named by
// tempname.Name, which verify reports and reindex removes. Another
// process's index that appeared meanwhile wins.
func createFile(path string) error {
	tmp := filepath.Join(filepath.Dir(path), tempname.Name(filepath.Base(path)))
	db, err := Create(tmp)
	if err != nil {
		return err
	}
	if err := db.bolt.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("create index %s: %w", path, err)
	}
	err = os.Link(tmp, path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links here (some network and FAT file systems): the
		// store lock serialises creators, so a rename cannot replace one.
		err = os.Rename(tmp, path)
	}
	os.Remove(tmp)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create index %s: %w", path, err)
	}
	if err := osfile.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("create index %s: sync folder: %w", path, err)
	}
	return nil
}

// Create makes a new, empty index file at exactly path (mode FileMode,
// never following a symlink) and opens it for writing. A name that exists
// is ErrExists (wrapping fs.ErrExist), untouched. It publishes nothing: the
// caller fills the file under a temp name (tempname.Name), closes it and
// links it into place once it is complete, so that no reader ever sees a
// half-built index. Every committed transaction is fsynced, as in any
// index.
func Create(path string) (*DB, error) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("create index %s: %w", path, errors.Join(ErrExists, fs.ErrExist, err))
	}
	return openBolt(path, false, true, tryOnce)
}
