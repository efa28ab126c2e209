package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
	"github.com/hatch-backup/hatch-backup/retention"
)

// CompactOptions select what Compact compresses.
type CompactOptions struct {
	// CompressOlderThanDays: compress the plain backups created more than
	// N × 24 h before now. 0, the zero value, compresses every plain backup
	// created before now; a negative value is ErrInvalid.
	CompressOlderThanDays int
	// Progress, when set, is called as backups are compressed.
	Progress func(done, total int)
	// Delta re-encodes old backups as zstd deltas against another backup
	// of the same config (see keyframeEvery for the scheme), or as .zst
	// when a delta would not be smaller.
	Delta bool
}

// CompactResult is what Compact did.
type CompactResult struct {
	Compressed []Backup // the backups now stored as .zst
	// Kept lists plain backups left plain because their name is not
	// hatch-backup's own (adopted Python Hatch backups keep their names).
	Kept []Verdict
	// PlainBytes and ZstdBytes are the compressed backups' sizes on disk
	// before and after.
	PlainBytes, ZstdBytes int64
	// Leftovers counts plain copies of .zst backups (a crash's leftovers
	// from an earlier compact) that were removed.
	Leftovers int
	// IndexBefore and IndexAfter are the index file's sizes in bytes.
	IndexBefore, IndexAfter int64
	// Deltas are the backups now stored as .delta (with Delta).
	Deltas []Backup
	// BytesBefore and BytesAfter are the sizes on disk of every backup
	// re-encoded (Compressed and Deltas), before and after.
	BytesBefore, BytesAfter int64
}

// Compact compresses old plain backups to .zst and then rewrites the index
// file to its minimal size. It needs the store open for writing: the index
// file is replaced only under the exclusive store lock.
//
// Each backup is compressed on its own, in this order: its content is read
// and checked against the index (size, sha256); the .zst file is written
// durably (atomic.WriteNew) after checking that it decodes to that same
// sha256; the index entry is switched to it (file name, stored size,
// compression; the sha256 stays that of the original bytes); the plain
// file is removed and its folder fsynced. The .zst is dated with the
// backup's instant, as every backup file is. A crash leaves one of:
//   - the old state, perhaps with a temp file (reindex removes it);
//   - both files, the index pointing at the plain one: the .zst is an
//     unindexed duplicate; the next compact of that backup checks and
//     uses it, and reindex switches the entry to it (see finishCompacts);
//   - both files, the index pointing at the .zst: the plain file is an
//     unindexed duplicate; the next compact, or reindex, removes it once
//     its sha256 matches the index and the .zst reads back intact;
//   - the new state.
//
// Verify names both middle states "interrupted-compact". Either repair
// keeps one backup, with its entry and original path.
//
// The index is then copied into a temp file in the root (a minimal bbolt
// file, fsynced), renamed over index.db and the root fsynced; a crash
// leaves the old or the new index.db, both complete, and perhaps the temp
// file, which reindex removes.
//
// A damaged backup (size or sha256 differ from the index) is not
// compressed: Compact goes on with the others and returns ErrIntegrity
// naming it.
//
// Whatever error Compact returns, the result holds what was done before
// it: each backup in Compressed is compressed, indexed and sound, and the
// error says how many there are, since the store did change.
func (s *Store) Compact(ctx context.Context, o CompactOptions) (CompactResult, error) {
	var res CompactResult
	if o.CompressOlderThanDays < 0 {
		return res, fmt.Errorf("--compress-older-than-days %d: %w: must be 0 or more", o.CompressOlderThanDays, ErrInvalid)
	}
	if err := s.writable(); err != nil {
		return res, err
	}
	plain, zstd, err := s.compactCandidates(o.CompressOlderThanDays)
	if err != nil {
		return res, err
	}
	errs := []error{s.removeLeftovers(zstd, &res), s.removeDeltaLeftovers(index.Query{}, &res)}
	if o.Delta {
		errs = append(errs, s.compactDeltas(ctx, o, &res))
		if err := ctx.Err(); err != nil {
			return res, partial(res, err)
		}
		res.IndexBefore, res.IndexAfter, err = s.rewriteIndex()
		return res, partial(res, errors.Join(append(errs, err)...))
	}
	// A .zst name that is another backup's (two different backups left by
	// an interrupted compact, both adopted by reindex) is never taken.
	zstdFiles := make(map[string]bool, len(zstd))
	for _, r := range zstd {
		zstdFiles[r.File] = true
	}
	for i, r := range plain {
		if err := ctx.Err(); err != nil {
			return res, partial(res, err)
		}
		if filepath.Base(filepath.FromSlash(r.File)) != blob.NewName(r.Host, r.Timestamp, false).String() {
			res.Kept = append(res.Kept, Verdict{Backup: s.backupOf(r), Reason: "adopted name, never renamed"})
		} else if zstdFiles[r.File+blob.ZstdSuffix] {
			res.Kept = append(res.Kept, Verdict{Backup: s.backupOf(r), Reason: "its .zst name holds another backup"})
		} else if nr, err := s.compressOne(r); err != nil {
			errs = append(errs, err)
		} else {
			res.Compressed = append(res.Compressed, s.backupOf(nr))
			res.PlainBytes += r.StoredSize
			res.ZstdBytes += nr.StoredSize
			res.BytesBefore += r.StoredSize
			res.BytesAfter += nr.StoredSize
		}
		if o.Progress != nil {
			o.Progress(i+1, len(plain))
		}
	}
	if err := ctx.Err(); err != nil {
		return res, partial(res, err)
	}
	res.IndexBefore, res.IndexAfter, err = s.rewriteIndex()
	return res, partial(res, errors.Join(append(errs, err)...))
}

// partial adds to err, when there is one, how many backups were
// compressed all the same: a failed compact may have changed the store.
func partial(res CompactResult, err error) error {
	n := len(res.Compressed) + len(res.Deltas)
	if err == nil || n == 0 {
		return err
	}
	return fmt.Errorf("compressed %s (each one complete and indexed), but: %w", nBackups(n), err)
}

// nBackups is "1 backup" or "N backups".
func nBackups(n int) string {
	if n == 1 {
		return "1 backup"
	}
	return fmt.Sprintf("%d backups", n)
}

// compactCandidates returns the plain backups created more than days × 24 h
// before now, and every .zst backup. The newest backup of each host and
// original path (as latest means it: a future-dated one does not count)
// stays plain: Python Hatch, sharing the folder, restores the newest file
// it can read, and it cannot read zstd.
func (s *Store) compactCandidates(days int) (plain, zstd []index.Record, err error) {
	now, horizon := s.now(), s.horizon()
	newest := map[seriesKey]time.Time{}
	err = s.db.List(index.Query{}, func(r index.Record) error {
		switch {
		case r.Compression == index.Zstd:
			zstd = append(zstd, r)
		case retention.OlderThan(r.Created, now, days):
			plain = append(plain, r)
		}
		if k := seriesOf(r); !r.Created.After(horizon) && r.Created.After(newest[k]) {
			newest[k] = r.Created
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	plain = slices.DeleteFunc(plain, func(r index.Record) bool { return r.Created.Equal(newest[seriesOf(r)]) })
	return plain, zstd, nil
}

// seriesKey names the backups of one config: a host and an original path.
type seriesKey struct{ host, path string }

func seriesOf(r index.Record) seriesKey { return seriesKey{r.Host, r.OriginalPath} }

// compressOne stores r's backup as .zst and returns its new record.
func (s *Store) compressOne(r index.Record) (index.Record, error) {
	old := s.backupOf(r)
	if streamedBackup(old) {
		return s.compressStreamed(r)
	}
	data, err := s.Read(old)
	if err != nil {
		return r, err
	}
	z := blob.Compress(data)
	nr := r
	nr.File, nr.StoredSize, nr.Compression = r.File+blob.ZstdSuffix, int64(len(z)), index.Zstd
	zpath := old.Path + blob.ZstdSuffix
	if err := s.checkZstd(nr, z); err != nil {
		return r, fmt.Errorf("compress %s: %w", old.Path, err)
	}
	err = hatomic.WriteNewAt(s.fs, zpath, z, FileMode, r.Created)
	if errors.Is(err, hatomic.ErrExist) {
		nr.StoredSize, err = s.adoptZstd(nr, zpath)
	}
	if err != nil {
		return r, fmt.Errorf("compress %s: %w", old.Path, err)
	}
	if err := s.db.Replace(nr); err != nil {
		// The index still names the plain file: take the .zst back.
		rmErr := s.fs.Remove(zpath)
		return r, errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	if err := s.removeAndSync(old.Path); err != nil {
		return nr, fmt.Errorf("compressed %s to %s, but the plain file stays as an unindexed duplicate: %w", old.Path, zpath, err)
	}
	return nr, nil
}

// compressStreamed is compressOne for a backup above StreamThreshold, in
// fixed memory: the plain file is streamed through sha256 and a zstd
// encoder into the .zst (a plain file that does not match the index
// publishes nothing), the .zst is checked by a streamed decode, and only
// then is the index switched to it.
func (s *Store) compressStreamed(r index.Record) (index.Record, error) {
	old := s.backupOf(r)
	nr := r
	nr.File, nr.Compression = r.File+blob.ZstdSuffix, index.Zstd
	zpath := old.Path + blob.ZstdSuffix
	err := hatomic.WriteNewFromAt(s.fs, zpath, s.zstdWriter(old, &nr), FileMode, r.Created)
	if errors.Is(err, hatomic.ErrExist) {
		nr.StoredSize, err = s.adoptZstdStreamed(nr, zpath)
	} else if err == nil {
		if err = s.checkIntact(s.backupOf(nr)); err != nil {
			err = errors.Join(err, s.removeAndSync(zpath))
		}
	}
	if err != nil {
		return r, fmt.Errorf("compress %s: %w", old.Path, err)
	}
	if err := s.db.Replace(nr); err != nil {
		rmErr := s.fs.Remove(zpath)
		return r, errors.Join(fmt.Errorf("index %s: %w", s.indexPath(), err), rmErr)
	}
	if err := s.removeAndSync(old.Path); err != nil {
		return nr, fmt.Errorf("compressed %s to %s, but the plain file stays as an unindexed duplicate: %w", old.Path, zpath, err)
	}
	return nr, nil
}

// zstdWriter streams plain backup b into a zstd frame and fails unless
// what it read matches b's index entry; it sets nr's stored size.
func (s *Store) zstdWriter(b Backup, nr *index.Record) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, p, err := s.backupFileProblem(b); p != nil || err != nil {
			if p != nil {
				return p.err()
			}
			return err
		}
		f, err := s.fs.OpenFile(b.Path, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		defer f.Close()
		var got index.Record
		if err := encodeStream(w, f, &got, true, func(err error) error { return fmt.Errorf("read %s: %w", b.Path, err) }); err != nil {
			return err
		}
		if got.OriginalSize != b.OriginalSize || got.SHA256 != b.SHA256 {
			return fmt.Errorf("backup %s: %w: %s: sha256 does not match the index", b.Path, ErrIntegrity, ProblemChecksum)
		}
		nr.StoredSize = got.StoredSize
		return nil
	}
}

// adoptZstdStreamed is adoptZstd for a big backup: the file at r's .zst
// name is checked by a streamed decode.
func (s *Store) adoptZstdStreamed(r index.Record, zpath string) (int64, error) {
	fi, err := s.fs.Lstat(zpath)
	if err != nil {
		return 0, fmt.Errorf("%s exists: %w", zpath, err)
	}
	r.StoredSize = fi.Size()
	if err := s.checkIntact(s.backupOf(r)); err != nil {
		return 0, fmt.Errorf("%s exists and is not this backup (run verify): %w", zpath, err)
	}
	return r.StoredSize, nil
}

// checkZstd checks that z decodes to exactly the bytes r's sha256 names.
func (s *Store) checkZstd(r index.Record, z []byte) error {
	data, err := blob.Decompress(z, r.OriginalSize)
	if err != nil {
		return fmt.Errorf("%w: compressed bytes do not decode: %w", ErrIntegrity, err)
	}
	if int64(len(data)) != r.OriginalSize || blob.Sum(data) != r.SHA256 {
		return fmt.Errorf("%w: compressed bytes decode to other content", ErrIntegrity)
	}
	return nil
}

// adoptZstd judges a file already at r's .zst name: a crash's leftover
// from an earlier compact, usable when it decodes to r's content. It
// returns the file's size.
func (s *Store) adoptZstd(r index.Record, zpath string) (int64, error) {
	z, err := s.readFile(zpath, blob.MaxDecodedSize)
	if err != nil {
		return 0, fmt.Errorf("%s exists: %w", zpath, err)
	}
	if err := s.checkZstd(r, z); err != nil {
		return 0, fmt.Errorf("%s exists and is not this backup (run verify): %w", zpath, err)
	}
	return int64(len(z)), nil
}

// removeLeftovers removes the plain copy beside each .zst backup when it
// holds exactly the backup's content and the .zst reads back intact: what
// a crash between the index switch and the removal leaves. Any other file
// there is left alone.
func (s *Store) removeLeftovers(zstd []index.Record, res *CompactResult) error {
	var errs []error
	for _, r := range zstd {
		b := s.backupOf(r)
		p, ok := strings.CutSuffix(b.Path, blob.ZstdSuffix)
		if !ok {
			continue
		}
		if _, err := s.fs.Lstat(p); err == nil {
			removed, err := s.removeCopyOf(b, p)
			if err != nil {
				errs = append(errs, err)
			} else if removed {
				res.Leftovers++
			}
		}
	}
	if err := s.removeDeltaTwins(zstd); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeDeltaTwins removes the .delta beside each .zst backup of zstd when
// it holds exactly the backup's content: what a clean killed between
// storing a delta whole and removing the .delta leaves.
func (s *Store) removeDeltaTwins(zstd []index.Record) error {
	var errs []error
	for _, r := range zstd {
		b := s.backupOf(r)
		p := strings.TrimSuffix(b.Path, blob.ZstdSuffix) + blob.DeltaSuffix
		if _, err := s.fs.Lstat(p); err != nil {
			continue
		}
		if _, err := s.removeFormOf(b, p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeAndSync removes p and fsyncs its folder.
func (s *Store) removeAndSync(p string) error {
	if err := s.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := s.fs.SyncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("backup folder %s: %w", filepath.Dir(p), err)
	}
	return nil
}

// rewriteIndex replaces index.db with a minimal copy of itself: copy into
// a temp file in the root, fsync, close the old index, rename the copy
// over it, fsync the root, open the copy. The caller holds the exclusive
// store lock, without which no process may replace index.db.
func (s *Store) rewriteIndex() (before, after int64, err error) {
	if before, err = s.fileSize(s.indexPath()); err != nil {
		return 0, 0, err
	}
	tmp := filepath.Join(s.root, tempname.Name(IndexFile))
	if err := s.db.CompactTo(tmp); err != nil {
		return before, before, err
	}
	if err := s.syncFile(tmp); err != nil {
		return before, before, errors.Join(err, s.fs.Remove(tmp))
	}
	// Close first: Windows cannot rename over an open file, and the open
	// handle belongs to the file being replaced.
	if err := s.db.Close(); err != nil {
		return before, before, errors.Join(err, s.fs.Remove(tmp))
	}
	s.db = nil
	swapErr := s.fs.Rename(tmp, s.indexPath())
	if swapErr != nil {
		swapErr = errors.Join(fmt.Errorf("replace index %s: %w", s.indexPath(), swapErr), s.fs.Remove(tmp))
	} else if err := s.fs.SyncDir(s.root); err != nil {
		swapErr = fmt.Errorf("backup root %s: sync after replacing the index: %w", s.root, err)
	}
	db, err := index.Open(s.indexPath(), index.Options{Timeout: s.opts.LockTimeout})
	if err != nil {
		return before, before, errors.Join(swapErr, err)
	}
	s.db = db
	after, err = s.fileSize(s.indexPath())
	return before, after, errors.Join(swapErr, err)
}

func (s *Store) fileSize(p string) (int64, error) {
	fi, err := s.fs.Lstat(p)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// syncFile fsyncs p's content.
func (s *Store) syncFile(p string) error {
	f, err := s.fs.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}
