package store

import (
	"bytes"
	"context"
	"fmt"
	"sync"

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

// originalsBudget bounds the original bytes an originals cache keeps.
const originalsBudget = 32 << 20

// originals keeps the original bytes of backups decoded from the remote,
// up to originalsBudget in all, so that verifying the deltas of a
// history does not fetch and decode the same bases again and again
// (each delta's chain climbs through the same few newer backups).
type originals struct {
	mu    sync.Mutex
	bytes int
	m     map[string][]byte
}

func originalsOf(o *originals) *originals {
	if o == nil {
		return &originals{m: map[string][]byte{}}
	}
	return o
}

func (o *originals) get(key string) ([]byte, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b, ok := o.m[key]
	return b, ok
}

func (o *originals) put(key string, b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.m[key]; !ok && o.bytes+len(b) <= originalsBudget {
		o.m[key] = b
		o.bytes += len(b)
	}
}

// decode decodes e's stored bytes to the backup's original
// bytes: a .zst decompressed, a delta decoded against its base's
// original bytes (read from the remote through byKey, at most
// maxReadDepth steps). Each step's result is checked against the
// catalogue's sha256; a failure is remote.ErrIntegrity.
// What it decodes, and each base on the way, stays in o.
func (o *originals) decode(ctx context.Context, r *remote.Remote, byKey map[string]remote.Entry, e remote.Entry, stored []byte, depth int) ([]byte, error) {
	data, err := o.decodeOnce(ctx, r, byKey, e, stored, depth)
	if err == nil {
		o.put(e.Key(), data)
	}
	return data, err
}

// base returns the original bytes of the entry be, from the cache or
// the remote.
func (o *originals) base(ctx context.Context, r *remote.Remote, byKey map[string]remote.Entry, be remote.Entry, depth int) ([]byte, error) {
	if b, ok := o.get(be.Key()); ok {
		return b, nil
	}
	bs, err := remoteStored(ctx, r, be)
	if err != nil {
		return nil, err
	}
	return o.decode(ctx, r, byKey, be, bs, depth)
}

func (o *originals) decodeOnce(ctx context.Context, r *remote.Remote, byKey map[string]remote.Entry, e remote.Entry, stored []byte, depth int) ([]byte, error) {
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
		base, err := o.base(ctx, r, byKey, be, depth+1)
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
