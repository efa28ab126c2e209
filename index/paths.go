package index

import (
	"encoding/binary"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Records of version 3 hold their original path as an id into BucketPaths:
// every backup of a host repeats its config's path, which was about a
// quarter of the index.

// maxCachedPaths bounds a pathReader's cache: a long listing keeps flat
// memory even if every backup came from another path.
const maxCachedPaths = 1024

// idKey is an id's key in BucketPaths: 8 bytes big-endian, so its first
// byte is 0, which no path key's is.
func idKey(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }

// isIDKey tells an id key from a path key in BucketPaths.
func isIDKey(k []byte) bool { return len(k) > 0 && k[0] == 0 }

// pathReader resolves path ids; nil bucket (before migration 3) resolves
// none. The cache, when made, saves a listing a Get per record.
type pathReader struct {
	b     *bolt.Bucket
	cache map[uint64]string
}

func newPathReader(b *bolt.Bucket, cached bool) *pathReader {
	r := &pathReader{b: b}
	if cached {
		r.cache = map[uint64]string{}
	}
	return r
}

// pathOf is id's path; an error when it does not resolve to a path a
// record may hold (decodeRecord makes it ErrCorrupt).
func (r *pathReader) pathOf(id uint64) (string, error) {
	if p, ok := r.cache[id]; ok {
		return p, nil
	}
	if r.b == nil {
		return "", fmt.Errorf("path id %d but no bucket %q", id, BucketPaths)
	}
	v := r.b.Get(idKey(id))
	if why := badPath(v); why != "" {
		return "", fmt.Errorf("path id %d: %s", id, why)
	}
	p := string(v)
	if r.cache != nil {
		if len(r.cache) >= maxCachedPaths {
			clear(r.cache)
		}
		r.cache[id] = p
	}
	return p, nil
}

// badPath says why v cannot be an interned path, or "".
func badPath(v []byte) string {
	switch {
	case v == nil:
		return "not in the paths bucket"
	case len(v) == 0 || len(v) > maxPathLen || strings.ContainsRune(string(v), 0):
		return fmt.Sprintf("path of %d bytes is empty, too long or holds a NUL", len(v))
	}
	return ""
}

// pathWriter interns paths in a write transaction: one Get per new path,
// and a new id from the bucket's sequence for a path never seen.
type pathWriter struct {
	b   *bolt.Bucket
	ids map[string]uint64
}

func newPathWriter(b *bolt.Bucket) *pathWriter {
	return &pathWriter{b: b, ids: map[string]uint64{}}
}

// idOf is p's id, interning it if needed; 0 for "".
func (w *pathWriter) idOf(p string) (uint64, error) {
	if p == "" {
		return 0, nil
	}
	if id, ok := w.ids[p]; ok {
		return id, nil
	}
	var id uint64
	if v := w.b.Get([]byte(p)); v != nil {
		if len(v) != 8 || binary.BigEndian.Uint64(v) == 0 {
			return 0, fmt.Errorf("%w: paths bucket: id of %q is %x", ErrCorrupt, p, v)
		}
		id = binary.BigEndian.Uint64(v)
	} else if err := w.add(p, &id); err != nil {
		return 0, err
	}
	w.ids[p] = id
	return id, nil
}

func (w *pathWriter) add(p string, id *uint64) (err error) {
	if *id, err = w.b.NextSequence(); err != nil {
		return err
	}
	if w.b.Get(idKey(*id)) != nil {
		return fmt.Errorf("%w: paths bucket: its sequence %d is an id already taken", ErrCorrupt, *id)
	}
	if err := w.b.Put(idKey(*id), []byte(p)); err != nil {
		return err
	}
	return w.b.Put([]byte(p), idKey(*id))
}
