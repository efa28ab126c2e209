package store

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// streamBuffer is the size of the one buffer a streamed copy uses.
const streamBuffer = 256 << 10

// streamed reports whether a config of size bytes is streamed rather
// than read whole (see StreamThreshold).
func streamed(size int64) bool { return size > StreamThreshold }

// streamedBackup reports whether b is read, checked and restored as a
// stream: a big one that is not a delta (a delta needs its base whole,
// and a backup that big never becomes one).
func streamedBackup(b Backup) bool {
	return streamed(b.OriginalSize) && b.Compression != index.Delta.String()
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// copyBuffered copies src to dst through one fixed buffer. Neither side's
// ReadFrom or WriteTo is used: the buffer is the memory bound.
func copyBuffered(dst io.Writer, src io.Reader) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, streamBuffer))
}

// configInfo stats a live config (following symlinks, as hosts do): it
// must be a regular file.
func (s *Store) configInfo(p string) (fs.FileInfo, error) {
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
		return nil, fmt.Errorf("config %s: %w: %s, not a regular file", p, ErrInvalid, fileKind(fi.Mode()))
	}
	return fi, nil
}

// openConfig opens a live config for a streamed read; it must still be a
// regular file once open (a swap after the stat is not followed).
func (s *Store) openConfig(p string) (io.ReadCloser, error) {
	f, err := s.fs.OpenFile(p, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config %s: %w", p, ErrConfigMissing)
	}
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", p, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%w: %s, not a regular file", ErrInvalid, fileKind(fi.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("config %s: %w", p, err)
	}
	return f, nil
}

// configSum is the sha256 and size of the live config at p, read as a
// stream in fixed memory.
func (s *Store) configSum(p string) (sum [32]byte, size int64, err error) {
	f, err := s.openConfig(p)
	if err != nil {
		return sum, 0, err
	}
	defer f.Close()
	h := sha256.New()
	if size, err = copyBuffered(h, f); err != nil {
		return sum, 0, fmt.Errorf("read config %s: %w", p, err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, size, nil
}

// configForServers reads the config at p for a comparison of its servers:
// its sha256 always (streamed above StreamThreshold), and its bytes when it
// is at most MaxParseSize; a bigger config gives nil data, its servers
// unknown. watch and guard use it so that a huge config is backed up, at
// their usual pace, never an error.
func (s *Store) configForServers(p string) (sum [32]byte, data []byte, err error) {
	fi, err := s.configInfo(p)
	if err != nil {
		return sum, nil, err
	}
	if fi.Size() > MaxParseSize {
		sum, _, err = s.configSum(p)
		return sum, nil, err
	}
	if data, err = s.readConfig(p); err != nil {
		return sum, nil, err
	}
	return blob.Sum(data), data, nil
}

// configWriter streams the config at p into w: through sha256, and
// through a zstd encoder with compress. It fills rec's sizes and sha256
// from what it wrote. A config that changes size while it is read is an
// error with compress (the frame declared the size), a shorter or longer
// copy of it without.
func (s *Store) configWriter(p string, rec *index.Record, compress bool) func(io.Writer) error {
	return func(w io.Writer) error {
		f, err := s.openConfig(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return encodeStream(w, f, rec, compress, func(err error) error {
			return fmt.Errorf("read config %s: %w", p, err)
		})
	}
}

// encodeStream copies src into w (through a zstd encoder with compress)
// and fills rec's OriginalSize, StoredSize and SHA256. readErr wraps an
// error of the copy.
func encodeStream(w io.Writer, src io.Reader, rec *index.Record, compress bool, readErr func(error) error) error {
	size := int64(-1)
	if st, ok := src.(interface{ Stat() (fs.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil {
			size = fi.Size()
		}
	}
	h := sha256.New()
	out := &counter{w: w}
	var dst io.Writer = out
	var enc io.WriteCloser
	if compress {
		e, err := blob.NewStreamEncoder(out, size)
		if err != nil {
			return err
		}
		enc, dst = e, e
	}
	n, err := copyBuffered(io.MultiWriter(h, dst), src)
	if err != nil {
		if enc != nil {
			enc.Close()
		}
		return readErr(err)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return readErr(fmt.Errorf("compress: %w", err))
		}
	}
	rec.OriginalSize, rec.StoredSize = n, out.n
	copy(rec.SHA256[:], h.Sum(nil))
	return nil
}

// backupReader opens b's file and returns a reader of its original bytes
// (decoded as a stream when b is zstd) and the stored bytes it has read so
// far. Close releases both.
type backupReader struct {
	f      io.ReadCloser
	stored *countReader
	dec    *blob.StreamDecoder
	r      io.Reader
}

func (r *backupReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func (r *backupReader) Close() error {
	if r.dec != nil {
		r.dec.Close()
	}
	return r.f.Close()
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// openBackup opens b's file for a streamed read of its original bytes.
func (s *Store) openBackup(b Backup) (*backupReader, error) {
	f, err := s.fs.OpenFile(b.Path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	cr := &countReader{r: f}
	br := &backupReader{f: f, stored: cr, r: cr}
	if b.Compression == index.Zstd.String() {
		if br.dec, err = blob.NewStreamDecoder(cr); err != nil {
			f.Close()
			return nil, err
		}
		br.r = br.dec
	}
	return br, nil
}

// undecodable marks an error of a stream decoder as damage, not I/O.
func undecodable(err error) bool {
	return errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrTooLarge)
}

// checkStream is checkBackupAt for a streamed backup: one pass through its
// file in fixed memory (the decoder's window when it is zstd), comparing
// its stored size, decoding and sha256 with the index. It returns no data.
func (s *Store) checkStream(b Backup) (fi fs.FileInfo, p *Problem, err error) {
	if fi, p, err = s.backupFileProblem(b); p != nil || err != nil {
		return fi, p, err
	}
	h := sha256.New()
	stored, n, err := s.streamBackup(b, h)
	return fi, streamProblem(b, stored, n, h, err), ioError(err)
}

// streamBackup writes b's original bytes to w as a stream and returns the
// stored bytes read and the original bytes written.
func (s *Store) streamBackup(b Backup, w io.Writer) (stored, n int64, err error) {
	br, err := s.openBackup(b)
	if err != nil {
		return 0, 0, err
	}
	defer br.Close()
	n, err = copyBuffered(w, br)
	return br.stored.n, n, err
}

// ioError is err unless it is damage a Problem reports.
func ioError(err error) error {
	if err == nil || undecodable(err) {
		return nil
	}
	return err
}

// streamProblem judges a streamed read of b: damage is a Problem; nil
// when the sizes and sha256 match the index.
func streamProblem(b Backup, stored, n int64, h hash.Hash, err error) *Problem {
	damage := func(k ProblemKind, format string, args ...any) *Problem {
		return &Problem{Kind: k, Host: b.Host, Timestamp: b.Timestamp, Path: b.Path, Detail: fmt.Sprintf(format, args...)}
	}
	switch {
	case undecodable(err):
		return damage(ProblemUndecodable, "%v", err)
	case err != nil:
		return nil
	case stored != b.FileSize:
		return damage(ProblemSize, "size differs from the index (%d bytes indexed)", b.FileSize)
	case n != b.OriginalSize || [32]byte(h.Sum(nil)) != b.SHA256:
		return damage(ProblemChecksum, "sha256 does not match the index")
	}
	return nil
}

// checkIntact checks b against the index (streamed when it is big) and
// returns the damage as an ErrIntegrity error.
func (s *Store) checkIntact(b Backup) error {
	if !streamedBackup(b) {
		_, err := s.Read(b)
		return err
	}
	_, p, err := s.checkStream(b)
	if err != nil {
		return err
	}
	if p != nil {
		return p.err()
	}
	return nil
}

// err is the Problem as an ErrIntegrity error, as Read returns it.
func (p *Problem) err() error {
	return fmt.Errorf("backup %s: %w: %s: %s", p.Path, ErrIntegrity, p.Kind, p.Detail)
}

// verifiedWriter streams b's original bytes into w and fails, at the end
// of the stream, with ErrIntegrity unless they match the index: a caller
// writing to a temp file publishes nothing unverified.
func (s *Store) verifiedWriter(b Backup) func(io.Writer) error {
	return func(w io.Writer) error {
		if _, p, err := s.backupFileProblem(b); p != nil || err != nil {
			if p != nil {
				return p.err()
			}
			return err
		}
		h := sha256.New()
		stored, n, err := s.streamBackup(b, io.MultiWriter(h, w))
		if p := streamProblem(b, stored, n, h, err); p != nil {
			return p.err()
		}
		return err
	}
}

// WriteTo writes b's original bytes to w after checking them against the
// index, as Read does, so that nothing unverified is written. A backup
// above StreamThreshold is checked in a first streamed pass and written in
// a second (which checks its sha256 again at the end: should the file
// change between the passes, the error comes after the bytes), so that its
// memory stays fixed whatever its size.
func (s *Store) WriteTo(w io.Writer, b Backup) error {
	if !streamedBackup(b) {
		data, err := s.Read(b)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	if err := s.checkIntact(b); err != nil {
		return err
	}
	return s.verifiedWriter(b)(w)
}

// readParsable is Read for a backup about to be parsed: one above
// MaxParseSize is refused (ErrInvalid naming it, its size and the limit).
func (s *Store) readParsable(b Backup) ([]byte, error) {
	if b.OriginalSize > MaxParseSize {
		return nil, fmt.Errorf("backup %s: %w: %d bytes, larger than the %d MiB limit for parsing", b.Path, ErrInvalid, b.OriginalSize, MaxParseSize>>20)
	}
	return s.Read(b)
}
