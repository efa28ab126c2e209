package store

import (
	"context"
	"crypto/sha256"
	"io"
	"os"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// uploadLone sends b, a backup of remote.PackTarget() stored bytes or
// more, as an object of its own, streamed from its file: a plain backup
// is checked against its sha256 as it goes (an object sent with bytes
// that fail is left unnamed, for clean --remote to collect); a .zst or
// .delta is checked through its decoding first, which holds it whole as
// show does. ok is false when b is damaged.
func (s *Store) uploadLone(ctx context.Context, r *remote.Remote, b Backup, e remote.Entry) (remote.Entry, bool, error) {
	if b.Compression != index.None.String() {
		if _, p, err := s.checkBackup(b); err != nil || p != nil {
			return e, false, err
		}
	}
	fi, err := s.fs.Lstat(b.Path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != b.FileSize {
		return e, false, nil
	}
	f, err := s.fs.OpenFile(b.Path, os.O_RDONLY, 0)
	if err != nil {
		return e, false, err
	}
	defer f.Close()
	h := sha256.New()
	up, err := r.UploadLone(ctx, e, io.TeeReader(f, h), b.FileSize)
	if err != nil {
		return e, false, err
	}
	if b.Compression == index.None.String() && [32]byte(h.Sum(nil)) != b.SHA256 {
		return e, false, nil
	}
	return up, true, nil
}
