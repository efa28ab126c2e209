package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
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
		return nil, fmt.Errorf("backup %s: %w: %s, not a regular file", p, ErrIntegrity, fileKind(fi.Mode()))
	}
	return s.readLimited(p, limit)
}

// readLimited reads at most limit bytes of p; a longer file is ErrInvalid.
func (s *Store) readLimited(p string, limit int64) ([]byte, error) {
	return s.read(p, os.O_RDONLY, limit, nil, nil)
}

// read is the one place the store reads a file: it opens p with flag
// (os.O_RDONLY and open options) through the file-system seam, lets check (when not nil) judge the open file and its
// info before anything is read, and reads it whole into buf (grown as
// needed). More than limit bytes is ErrInvalid. An error opening p is
// returned as it is, so that callers can tell a missing file.
func (s *Store) read(p string, flag int, limit int64, buf []byte, check func(f hatomic.File, fi fs.FileInfo) error) ([]byte, error) {
	f, err := s.fs.OpenFile(p, flag, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(f, fi); err != nil {
			return nil, err
		}
	}
	return readToEnd(p, f.Read, fi.Size(), limit, buf)
}

// readToEnd reads with read until the end into buf (grown to hold size
// bytes and one more, so that the end is seen without a copy); past limit
// it is ErrInvalid.
func readToEnd(p string, read func([]byte) (int, error), size, limit int64, buf []byte) ([]byte, error) {
	want := int(min(max(size, 0), limit)) + 1
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

func tooLarge(p string, limit int64) error {
	return fmt.Errorf("%s: %w: larger than %d bytes", p, ErrInvalid, limit)
}

// Read returns the original bytes of b after checking them against the
// index: the file's size, its decoding, and the sha256 of the result. Any
// mismatch is ErrIntegrity naming the file.
//
// Read holds the whole content, whatever its size: the store's own paths
// for a backup above StreamThreshold (restore, show, verify, compact, a
// skip-unchanged check) stream it instead; use WriteTo for that.
func (s *Store) Read(b Backup) ([]byte, error) {
	if s.detached != nil {
		return s.readDetached(b)
	}
	data, p, err := s.checkBackup(b)
	if err != nil {
		return nil, err
	}
	if p != nil {
		return nil, fmt.Errorf("backup %s: %w: %s: %s", b.Path, ErrIntegrity, p.Kind, p.Detail)
	}
	return data, nil
}

// checkBackup reads b and compares it with its index entry. Damage is a
// Problem; err is for failures that say nothing about the backup (a
// permission denied, an I/O error).
//
// It always returns the whole content (Read's callers use it), however big
// the backup: only verify's checkBackupInfo checks a big one as a stream.
func (s *Store) checkBackup(b Backup) (data []byte, p *Problem, err error) {
	data, _, p, err = s.checkBackupAt(b, 0)
	return data, p, err
}

// checkBackupInfo is checkBackup that also returns what Lstat said of the
// file (nil when it is missing), so that verify looks at it only once.
// A backup above StreamThreshold (not a delta) is checked as a stream, in
// fixed memory, and data is nil.
func (s *Store) checkBackupInfo(b Backup) (data []byte, fi fs.FileInfo, p *Problem, err error) {
	if streamedBackup(b) {
		fi, p, err = s.checkStream(b)
		return nil, fi, p, err
	}
	return s.checkBackupAt(b, 0)
}

// checkBackupAt is checkBackupInfo for a backup read as the base of a
// chain of depth deltas.
func (s *Store) checkBackupAt(b Backup, depth int) (data []byte, fi fs.FileInfo, p *Problem, err error) {
	if fi, p, err = s.backupFileProblem(b); p != nil || err != nil {
		return nil, fi, p, err
	}
	damage := func(k ProblemKind, format string, args ...any) ([]byte, fs.FileInfo, *Problem, error) {
		return nil, fi, &Problem{Kind: k, Host: b.Host, Timestamp: b.Timestamp, Path: b.Path, Detail: fmt.Sprintf(format, args...)}, nil
	}
	stored, err := s.readLimited(b.Path, b.FileSize)
	if errors.Is(err, ErrInvalid) || (err == nil && int64(len(stored)) != b.FileSize) {
		return damage(ProblemSize, "size differs from the index (%d bytes indexed)", b.FileSize)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	data = stored
	switch b.Compression {
	case index.Zstd.String():
		if data, err = blob.Decompress(stored, b.OriginalSize); err != nil {
			return damage(ProblemUndecodable, "%v", err)
		}
	case index.Delta.String():
		var p *Problem
		if data, p, err = s.decodeDelta(b, stored, depth); p != nil || err != nil {
			return nil, fi, p, err
		}
	}
	if int64(len(data)) != b.OriginalSize || blob.Sum(data) != b.SHA256 {
		return damage(ProblemChecksum, "sha256 does not match the index")
	}
	return data, fi, nil, nil
}

// backupFileProblem looks at b's file without reading it: missing, not a
// regular file, or not the indexed size is a Problem. fi is nil when the
// file is missing.
func (s *Store) backupFileProblem(b Backup) (fi fs.FileInfo, p *Problem, err error) {
	fi, err = s.fs.Lstat(b.Path)
	damage := func(k ProblemKind, format string, args ...any) (fs.FileInfo, *Problem, error) {
		return fi, &Problem{Kind: k, Host: b.Host, Timestamp: b.Timestamp, Path: b.Path, Detail: fmt.Sprintf(format, args...)}, nil
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fi = nil
		return damage(ProblemMissing, "file is missing")
	case err != nil:
		return nil, nil, err
	case fi.Mode()&fs.ModeSymlink != 0:
		return damage(ProblemSymlink, "a symlink, not the backup file")
	case !fi.Mode().IsRegular():
		return damage(ProblemNotRegular, "%s, not a regular file", fileKind(fi.Mode()))
	case fi.Size() != b.FileSize:
		return damage(ProblemSize, "%d bytes, %d indexed", fi.Size(), b.FileSize)
	}
	return fi, nil, nil
}

// readConfig reads a live config whole (following symlinks, as hosts do).
// It must be a regular file of at most MaxParseSize bytes: a bigger one is
// backed up as a stream (see storeConfig), never read whole.
func (s *Store) readConfig(p string) ([]byte, error) {
	fi, err := s.configInfo(p)
	if err != nil {
		return nil, err
	}
	return s.readConfigOf(p, fi)
}

// readConfigOf is readConfig for a config already judged by configInfo.
func (s *Store) readConfigOf(p string, fi fs.FileInfo) ([]byte, error) {
	if fi.Size() > MaxParseSize {
		return nil, fmt.Errorf("config %s: %w: %d bytes, larger than the %d MiB limit for parsing", p, ErrInvalid, fi.Size(), MaxParseSize>>20)
	}
	data, err := s.readLimited(p, MaxParseSize)
	if err != nil {
		return nil, fmt.Errorf("config %w", err)
	}
	return data, nil
}

// fileKind names what a file that is not a regular one is, in words: a
// mode string such as "Dc---------" tells a user nothing.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}
