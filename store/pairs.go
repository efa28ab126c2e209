package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// An interrupted compact (see Compact) leaves a backup as two files, NAME
// and NAME.zst, with the index naming one of them or, after the index was
// lost, neither. They are one backup: reindex and the first build finish
// what compact started instead of adopting the other file as a second
// backup with the same timestamp and no original path.

// zstTwin is the other form of backup file p: NAME.zst for NAME and NAME
// for NAME.zst.
func zstTwin(p string) string {
	if plain, ok := strings.CutSuffix(p, blob.ZstdSuffix); ok {
		return plain
	}
	return p + blob.ZstdSuffix
}

// pairUp takes, from backup files none of which is indexed, the plain
// files whose NAME.zst is among them too and decodes to the same bytes:
// those are one backup, stored as the .zst once the index is built. It
// returns the files to adopt and the plain duplicates, to be removed once
// the index holding their .zst is durable. A pair whose bytes differ (or
// whose .zst does not decode) is two backups, both adopted.
func (s *Store) pairUp(files []found) (keep []found, dups []string, err error) {
	err = eachTimestamp(files, func(run []found) error {
		for _, f := range run {
			if !f.compressed || !slices.ContainsFunc(run, func(p found) bool { return !p.compressed && p.path == zstTwin(f.path) }) {
				continue
			}
			same, err := s.sameContent(zstTwin(f.path), f.path)
			if err != nil {
				return err
			}
			if same {
				dups = append(dups, zstTwin(f.path))
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(dups) == 0 {
		return files, nil, nil
	}
	drop := map[string]bool{}
	for _, p := range dups {
		drop[p] = true
	}
	return slices.DeleteFunc(files, func(f found) bool { return drop[f.path] }), dups, nil
}

// eachTimestamp calls fn with each run of files (sorted by compareFound)
// that share a timestamp: the forms of one backup (NAME, NAME.zst,
// NAME.delta) share it, so pairing them looks at one run at a time
// instead of a map of every file.
func eachTimestamp(files []found, fn func(run []found) error) error {
	if !slices.IsSortedFunc(files, compareFound) {
		files = slices.Clone(files)
		slices.SortFunc(files, compareFound)
	}
	for len(files) > 0 {
		n := 1
		for n < len(files) && files[n].timestamp == files[0].timestamp {
			n++
		}
		if err := fn(files[:n]); err != nil {
			return err
		}
		files = files[n:]
	}
	return nil
}

// sameContent reports whether the plain file and the .zst file hold the
// same config bytes. A file that cannot be read or decoded is not the
// same (it is adopted, or reported, on its own).
func (s *Store) sameContent(plainPath, zstPath string) (bool, error) {
	if fi, err := s.fs.Lstat(plainPath); err == nil && fi.Mode().IsRegular() && streamed(fi.Size()) {
		return s.sameContentStreamed(plainPath, zstPath)
	}
	data, err := s.readFile(plainPath, MaxConfigSize)
	if err != nil {
		return false, ignoreDamage(err)
	}
	z, err := s.readFile(zstPath, 2*MaxConfigSize)
	if err != nil {
		return false, ignoreDamage(err)
	}
	decoded, err := blob.Decompress(z, MaxConfigSize)
	return err == nil && bytes.Equal(decoded, data), nil
}

// sameContentStreamed is sameContent for a big backup: both files are
// hashed as streams (the .zst through the streaming decoder), never held
// whole.
func (s *Store) sameContentStreamed(plainPath, zstPath string) (bool, error) {
	var sums [2][32]byte
	for i, b := range []Backup{{Path: plainPath, Compression: index.None.String()}, {Path: zstPath, Compression: index.Zstd.String()}} {
		if fi, err := s.fs.Lstat(b.Path); err != nil || !fi.Mode().IsRegular() {
			return false, ignoreDamage(err)
		}
		h := sha256.New()
		if _, _, err := s.streamBackup(b, h); err != nil {
			return false, ioError(err)
		}
		h.Sum(sums[i][:0])
	}
	return sums[0] == sums[1], nil
}

// ignoreDamage drops an error that only says a file is damaged, missing or
// too large: such a file is judged elsewhere, and is no reason to stop.
func ignoreDamage(err error) error {
	if errors.Is(err, ErrIntegrity) || errors.Is(err, ErrInvalid) || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// removeDuplicates removes plain files whose backup the index now holds
// as .zst, then fsyncs their folders: the index first, then the files.
func (s *Store) removeDuplicates(dups []string) error {
	dirs := map[string]bool{}
	for _, p := range dups {
		if err := s.fs.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s, a plain copy of %s: %w", p, p+blob.ZstdSuffix, err)
		}
		dirs[filepath.Dir(p)] = true
	}
	for dir := range dirs {
		if err := s.fs.SyncDir(dir); err != nil {
			return fmt.Errorf("backup folder %s: %w", dir, err)
		}
	}
	return nil
}

// finishCompacts finishes each interrupted compact that a sound index
// shows, before reindex reconciles entries and adopts files:
//   - an entry naming NAME (plain) beside an unindexed NAME.zst that
//     decodes to the entry's size and sha256: the entry is switched to the
//     .zst (its stored size and compression; every other field, the
//     original path included, kept), then NAME is removed if its bytes are
//     the entry's (else it is adopted on its own);
//   - an entry naming NAME.zst, whose file reads back intact, beside an
//     unindexed NAME whose bytes are the entry's: NAME is removed.
//
// A file that is not the same backup stays and is adopted as today. It
// returns the backups whose compact it finished, and updates backups (the
// indexed ones) and files (the unindexed ones, oldest name first) to
// match.
func (s *Store) finishCompacts(ctx context.Context, backups []Backup, files []found) ([]Backup, []found, error) {
	byPath := make(map[string]int, len(backups))
	for i, b := range backups {
		byPath[b.Path] = i
	}
	var (
		finished []Backup
		freed    []found // plain files that lost their entry to their .zst
	)
	gone := map[string]bool{}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		i, ok := byPath[zstTwin(f.path)]
		if !ok {
			continue
		}
		b, done, err := s.finishOne(backups[i], f)
		if err != nil {
			return nil, nil, err
		}
		if !done {
			continue
		}
		gone[f.path] = true // indexed now, or removed
		if f.compressed {
			if _, err := s.fs.Lstat(backups[i].Path); err == nil {
				freed = append(freed, found{host: f.host, timestamp: f.timestamp, path: backups[i].Path})
			}
		}
		backups[i] = b
		finished = append(finished, b)
	}
	if len(finished) == 0 {
		return nil, files, nil
	}
	files = append(slices.DeleteFunc(files, func(f found) bool { return gone[f.path] }), freed...)
	slices.SortFunc(files, compareFound)
	return finished, files, nil
}

// finishOne finishes the compact of indexed backup b, whose other form is
// the unindexed file f, and returns b as it is now and whether it did.
func (s *Store) finishOne(b Backup, f found) (Backup, bool, error) {
	if f.compressed {
		return s.switchToZstd(b, f.path)
	}
	done, err := s.removeCopyOf(b, f.path)
	return b, done, err
}

// switchToZstd points plain backup b's entry at zpath when that file
// decodes to b's content (what compact does once the .zst is durable),
// then removes b's plain file when it holds b's content. It returns the
// new backup and whether it switched.
func (s *Store) switchToZstd(b Backup, zpath string) (Backup, bool, error) {
	if b.Compression != index.None.String() {
		return b, false, nil
	}
	r, err := s.recordAt(b)
	if err != nil {
		return b, false, err
	}
	z, err := s.readFile(zpath, 2*MaxConfigSize)
	if err != nil {
		return b, false, ignoreDamage(err)
	}
	if s.checkZstd(r, z) != nil {
		return b, false, nil // another backup's bytes: adopted on its own
	}
	nr := r
	nr.File, nr.StoredSize, nr.Compression = r.File+blob.ZstdSuffix, int64(len(z)), index.Zstd
	if err := s.db.Replace(nr); err != nil {
		return b, false, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	nb := s.backupOf(nr)
	_, err = s.removeCopyOf(nb, b.Path)
	return nb, true, err
}

// removeCopyOf removes plain file p when b's own file reads back intact
// and p's bytes are exactly b's content, then fsyncs p's folder: what an
// interrupted compact leaves once the index names the .zst. Any other file
// is left alone, and so is p when b's file is damaged or gone (p may then
// be the only good copy).
func (s *Store) removeCopyOf(b Backup, p string) (bool, error) {
	if _, err := s.Read(b); err != nil {
		return false, ignoreDamage(err)
	}
	data, err := s.readFile(p, MaxConfigSize)
	if err != nil {
		return false, ignoreDamage(err)
	}
	if int64(len(data)) != b.OriginalSize || blob.Sum(data) != b.SHA256 {
		return false, nil
	}
	if err := s.removeAndSync(p); err != nil {
		return false, fmt.Errorf("remove %s, a plain copy of %s: %w", p, b.Path, err)
	}
	return true, nil
}

// recordAt is b's index record.
func (s *Store) recordAt(b Backup) (index.Record, error) {
	var rec index.Record
	found := false
	err := s.db.List(index.Query{Hosts: []string{b.Host}, Since: b.Created, Until: b.Created, Limit: 1},
		func(r index.Record) error { rec, found = r, true; return nil })
	if err == nil && !found {
		err = fmt.Errorf("%w: %s at %s", index.ErrNotFound, b.Host, b.Timestamp)
	}
	if err != nil {
		return rec, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	return rec, nil
}
