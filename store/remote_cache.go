package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// RemoteCacheDir is the folder of the root where the remotes' local
// caches live (see remote.Cache): the key cache, the catalogue segments
// already read, what this machine has seen of each remote. It is not a
// host folder: reindex, adoption and the stale-folder check never look
// in it, and verify only checks its mode.
const RemoteCacheDir = "remote"

// maxCacheFile bounds what is read of a cache file (the segment cache of
// a remote of about 1,000,000 backups).
const maxCacheFile = 1 << 30

// fileCache is a remote.Cache in <root>/remote: files of mode 0600 in a
// folder of mode 0700, written whole (temp file, rename). It never makes
// the root: a pull onto a new machine that fails leaves no root behind.
type fileCache struct{ root, dir string }

// RemoteCache is the local cache of the remotes for the store at root.
func RemoteCache(root string) remote.Cache {
	return fileCache{root: root, dir: filepath.Join(root, RemoteCacheDir)}
}

func (c fileCache) Path(name string) string { return filepath.Join(c.dir, name) }

func (c fileCache) Read(name string) ([]byte, error) {
	p := c.Path(name)
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > maxCacheFile {
		return nil, fmt.Errorf("%s: %w: not a cache file", p, ErrInvalid)
	}
	return os.ReadFile(p)
}

func (c fileCache) Write(name string, data []byte) (err error) {
	if fi, err := os.Stat(c.root); err != nil || !fi.IsDir() {
		return fmt.Errorf("backup root %s: %w", c.root, fs.ErrNotExist)
	}
	if _, _, err := hatomic.EnsureDir(hatomic.OS(), c.dir, DirMode, false); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(FileMode); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), c.Path(name))
}

func (c fileCache) Remove(name string) error {
	err := os.Remove(c.Path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// pushToken is the state of the local index for remote.UpToDate: its
// last write transaction, and its file's modification time and size (a
// rebuilt index may start its transactions again). "" when there is no
// index. The store lock is held: no writer commits meanwhile.
func (s *Store) pushToken() string {
	if s.db == nil {
		return ""
	}
	gen, err := s.db.Generation()
	if err != nil {
		return ""
	}
	fi, err := s.fs.Stat(s.indexPath())
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d %d %d", gen, fi.ModTime().UnixNano(), fi.Size())
}

// errRemovedMeanwhile: a backup listed for a push was removed (clean,
// undo) before it was read: there is nothing to push.
var errRemovedMeanwhile = errors.New("backup removed while push ran")

// detached is what a store that released its lock (see detach) still
// knows: the records of the bases of the deltas it will read.
type detached struct {
	bases map[string]Backup // host NUL timestamp -> record
}

// detach releases the store lock and closes the index, once the backups
// to push are listed: a create, clean or compact meanwhile does not wait
// for the upload. It keeps the records of the bases the listed deltas
// need. Then the store only reads (see readDetached) and closes.
func (s *Store) detach(todo []Backup) error {
	d := &detached{bases: map[string]Backup{}}
	for _, b := range todo {
		for depth := 0; b.Compression == index.Delta.String() && depth < maxReadDepth; depth++ {
			base, err := s.baseOf(b)
			if errors.Is(err, ErrNotFound) {
				break // Read reports it as damage
			}
			if err != nil {
				return err
			}
			d.bases[b.Host+"\x00"+b.Base] = base
			b = base
		}
	}
	if err := s.closeAll(); err != nil {
		return err
	}
	s.detached = d
	return nil
}

// baseOf is Store.baseOf for a detached store.
func (d *detached) baseOf(b Backup) (Backup, error) {
	base, ok := d.bases[b.Host+"\x00"+b.Base]
	if !ok {
		return Backup{}, fmt.Errorf("%w: base %s of %s", ErrNotFound, b.Base, b.Path)
	}
	return base, nil
}

// readDetached reads b without the store lock. The files of a backup
// never change once written, but compact may re-encode it (a new name)
// and clean may remove it: whatever does not read and check as listed is
// looked up again in the index under the shared lock, briefly. Removed
// meanwhile: errRemovedMeanwhile; still there: read as it is now (damage
// then is damage).
func (s *Store) readDetached(b Backup) ([]byte, error) {
	data, p, err := s.checkBackup(b)
	if err == nil && p == nil {
		return data, nil
	}
	fresh, rec, err := s.lookupAgain(b)
	if err != nil {
		return nil, err
	}
	defer fresh.Close()
	return fresh.Read(fresh.backupOf(rec))
}

// lookupAgain opens the store again (shared lock) and finds b's record as
// the index has it now; removed meanwhile is errRemovedMeanwhile. The
// caller closes fresh.
func (s *Store) lookupAgain(b Backup) (fresh *Store, rec index.Record, err error) {
	opts := s.opts
	opts.UpgradingReader, opts.Inspect = true, false
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil)) // the first open gave its notices
	fresh, err = Open(context.Background(), opts)
	if err != nil {
		return nil, rec, err
	}
	if fresh.db == nil {
		fresh.Close()
		return nil, rec, fmt.Errorf("backup %s: %w", b.Path, errRemovedMeanwhile)
	}
	rec, err = fresh.db.Get(b.Host, b.Timestamp, b.Created)
	if errors.Is(err, index.ErrNotFound) {
		err = fmt.Errorf("backup %s: %w", b.Path, errRemovedMeanwhile)
	} else if err != nil {
		err = fmt.Errorf("index %s: %w", fresh.indexPath(), err)
	}
	if err != nil {
		fresh.Close()
		return nil, rec, err
	}
	return fresh, rec, nil
}

// changedMeanwhile says whether b, which did not read as listed while the
// lock was released, was removed or re-encoded since (clean, compact):
// then it is not damage, and the next push takes it as it is now.
func (s *Store) changedMeanwhile(b Backup) bool {
	if s.detached == nil {
		return false
	}
	fresh, rec, err := s.lookupAgain(b)
	if errors.Is(err, errRemovedMeanwhile) {
		return true
	}
	if err != nil {
		return false
	}
	defer fresh.Close()
	return fresh.backupOf(rec).Path != b.Path || rec.SHA256 != b.SHA256
}
