package store

import (
	"bytes"
	"context"
	"fmt"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/remote"
)

// remoteStored reads e's blob and returns its stored bytes (for an entry
// of the previous format, the original bytes), checked against the
// catalogue. A large object is read in windows.
func remoteStored(ctx context.Context, r *remote.Remote, e remote.Entry) ([]byte, error) {
	if !e.Legacy() && e.Length > 2*remote.PackTarget() {
		var buf bytes.Buffer
		if err := r.ReadBlob(ctx, e, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	sealed, err := r.FetchSealed(ctx, e)
	if err != nil {
		return nil, err
	}
	return r.OpenSealed(e, sealed)
}

// remoteOriginal decodes e's stored bytes to the backup's original
// bytes: a .zst decompressed, a delta decoded against its base's
// original bytes (read from the remote through byKey, at most
// maxReadDepth steps). Each step's result is checked against the
// catalogue's sha256; a failure is remote.ErrIntegrity.
func remoteOriginal(ctx context.Context, r *remote.Remote, byKey map[string]remote.Entry, e remote.Entry, stored []byte, depth int) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s backup %s: %s", remote.ErrIntegrity, e.Host, e.Timestamp, fmt.Sprintf(format, args...))
	}
	data := stored
	switch {
	case e.Legacy(), e.Encoding == remote.EncodingPlain:
	case e.Encoding == remote.EncodingZstd:
		var err error
		if data, err = blob.Decompress(stored, e.Size); err != nil {
			return nil, bad("%v", err)
		}
	case e.Encoding == remote.EncodingDelta:
		if depth >= maxReadDepth {
			return nil, bad("a chain of more than %d deltas", maxReadDepth)
		}
		be, ok := byKey[e.BaseKey()]
		if !ok || be.SHA256 != e.BaseSHA256 {
			return nil, bad("its base %s is not on the remote", e.Base)
		}
		bs, err := remoteStored(ctx, r, be)
		if err != nil {
			return nil, err
		}
		base, err := remoteOriginal(ctx, r, byKey, be, bs, depth+1)
		if err != nil {
			return nil, bad("its base %s is unreadable: %v", e.Base, err)
		}
		h, frame, err := blob.ParseDelta(stored)
		if err != nil || h.Base != e.Base {
			return nil, bad("not a delta against %s", e.Base)
		}
		if data, err = blob.DecodeDelta(frame, base, e.Size); err != nil {
			return nil, bad("%v", err)
		}
	}
	if int64(len(data)) != e.Size || blob.Sum(data) != e.SHA256 {
		return nil, bad("sha256 does not match the catalogue")
	}
	return data, nil
}

// keyed maps a catalogue's entries by Entry.Key.
func keyed(es []remote.Entry) map[string]remote.Entry {
	m := make(map[string]remote.Entry, len(es))
	for _, e := range es {
		m[e.Key()] = e
	}
	return m
}
