package remote

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/chacha20poly1305"
	"golang.org/x/crypto/hkdf"
	"golang.org/x/crypto/scrypt"
)

// Cache is where a remote keeps what this machine remembers of it (the
// store gives a folder of its root). The remote seals everything it
// writes there and trusts nothing it reads back that does not
// authenticate: a damaged, stale or forged file is ignored, never an
// error. Write and Remove errors are ignored too: a cache that cannot be
// written only makes the next run slower.
type Cache interface {
	// Read returns the named file's bytes (an error when missing).
	Read(name string) ([]byte, error)
	// Write replaces the named file as a whole.
	Write(name string, data []byte) error
	// Remove deletes the named file; a missing one is no error.
	Remove(name string) error
	// Path names the file, for messages.
	Path(name string) string
}

// What the cache holds, per remote (files named by cacheID):
//
//	<id>.key   the master key sealed under a key derived from the
//	           passphrase with scrypt at 2^keyCacheLogN and the sha256 of
//	           the key file it opens: the next run skips age's scrypt
//	           (2^18) but still needs the passphrase.
//	<id>.cat   the plaintexts of the catalogue segments read or written
//	           (immutable and authenticated when read), sealed under a key
//	           derived from the master key: a segment already here is not
//	           fetched again.
//	<id>.seen  the segment names this machine has seen or written
//	           (rollback detection) and the state of the last push that
//	           left nothing to upload, sealed likewise.
const (
	keyCacheLogN   = 10
	keyCacheFormat = 1
	keyCacheInfo   = "hatch-backup key cache v1"
	localCacheInfo = "hatch-backup local cache v1"
	segCacheMagic  = "hatch-backup segment cache\x00\x01"
)

// localCache is an open remote's view of its Cache.
type localCache struct {
	c     Cache // nil: no cache
	id    string
	noKey bool   // the key cache is off (and removed)
	key   []byte // seals .cat and .seen; set once the master is known

	segs    map[string][]byte // segment name -> plaintext, from .cat
	loaded  bool
	seen    *seenFile
	listing []string // the listing UpToDate took, for the Catalogue after it
}

// seenFile is the plaintext of <id>.seen.
type seenFile struct {
	// Seen are the segment names this machine has seen or written.
	Seen []string `json:"seen"`
	// Push is the state in which the last push found nothing left to
	// upload; nil when none.
	Push *pushState `json:"push,omitempty"`
}

type pushState struct {
	Segments []string `json:"segments"` // sorted
	Token    string   `json:"token"`    // the local store's state (see UpToDate)
	Count    int      `json:"count"`    // local backups, all on the remote
}

// cacheID names a remote's cache files: a hash of where the remote is.
func cacheID(endpoint, bucket, prefix string) string {
	h := sha256.Sum256([]byte("hatch-backup remote\x00" + endpoint + "\x00" + bucket + "\x00" + prefix))
	return hex.EncodeToString(h[:16])
}

func newLocalCache(o Options, endpoint, bucket, prefix string) *localCache {
	return &localCache{c: o.Cache, id: cacheID(endpoint, bucket, prefix), noKey: o.NoKeyCache}
}

// keyCacheFile is the content of <id>.key.
type keyCacheFile struct {
	Format  int    `json:"format"`
	KeyFile Sum    `json:"keyfile"` // sha256 of the key file it opens
	LogN    int    `json:"logn"`
	Salt    []byte `json:"salt"`
	Sealed  []byte `json:"sealed"` // nonce || XChaCha20-Poly1305(master)
}

// unlockKey opens the key file sealed with the passphrase: through the
// key cache when it holds this key file's master under this passphrase,
// else through age's scrypt (then the cache is written). A wrong
// passphrase fails the cache's check and then age's: ErrPassphrase, and
// the cache is left as it was.
func (r *Remote) unlockKey(sealed, passphrase []byte) ([]byte, error) {
	l := r.local
	sum := Sum(sha256.Sum256(sealed))
	master := l.cachedMaster(sum, passphrase)
	if master == nil {
		var err error
		if master, err = openKeyFile(sealed, passphrase); err != nil {
			return nil, err
		}
		l.saveMaster(sum, passphrase, master)
	}
	l.key = deriveOne(master, localCacheInfo)
	return master, nil
}

func (l *localCache) keyName() string { return l.id + ".key" }

// keyCacheKey derives the key that seals the cached master: scrypt at a
// low cost (about 1-3 ms), salted with the file's salt and the key file's
// sha256, so that a cache of another key file never opens.
func keyCacheKey(passphrase, salt []byte, keyFile Sum) ([]byte, error) {
	return scrypt.Key(passphrase, append(slices.Clip(salt), keyFile[:]...), 1<<keyCacheLogN, 8, 1, chacha20poly1305.KeySize)
}

// cachedMaster returns the master key the cache holds for this key file
// and passphrase, or nil.
func (l *localCache) cachedMaster(sum Sum, passphrase []byte) []byte {
	if l.c == nil || l.noKey {
		return nil
	}
	b, err := l.c.Read(l.keyName())
	if err != nil {
		return nil
	}
	var f keyCacheFile
	if json.Unmarshal(b, &f) != nil || f.Format != keyCacheFormat || f.LogN != keyCacheLogN || f.KeyFile != sum || len(f.Salt) != 16 {
		return nil
	}
	k, err := keyCacheKey(passphrase, f.Salt, sum)
	if err != nil {
		return nil
	}
	m, err := open(k, keyCacheInfo+"\x00"+l.id, f.Sealed)
	if err != nil || len(m) != 32 {
		return nil
	}
	return m
}

// saveMaster writes the key cache (or, turned off, removes it).
func (l *localCache) saveMaster(sum Sum, passphrase, master []byte) {
	if l.c == nil {
		return
	}
	if l.noKey {
		_ = l.c.Remove(l.keyName())
		return
	}
	f := keyCacheFile{Format: keyCacheFormat, KeyFile: sum, LogN: keyCacheLogN, Salt: make([]byte, 16)}
	if _, err := rand.Read(f.Salt); err != nil {
		return
	}
	k, err := keyCacheKey(passphrase, f.Salt, sum)
	if err != nil {
		return
	}
	if f.Sealed, err = seal(k, keyCacheInfo+"\x00"+l.id, master); err != nil {
		return
	}
	if b, err := json.Marshal(f); err == nil {
		_ = l.c.Write(l.keyName(), b)
	}
}

// deriveOne derives one key from the master key for info.
func deriveOne(master []byte, info string) []byte {
	k := make([]byte, chacha20poly1305.KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(info)), k); err != nil {
		panic(err) // HKDF-SHA256 gives 32 bytes
	}
	return k
}

// active: the cache is there and its sealing key known.
func (l *localCache) active() bool { return l.c != nil && l.key != nil }

// readSealed reads and opens a cache file; nil when missing or when it
// does not authenticate.
func (l *localCache) readSealed(kind string) []byte {
	b, err := l.c.Read(l.id + kind)
	if err != nil {
		return nil
	}
	plain, err := open(l.key, localCacheInfo+kind+"\x00"+l.id, b)
	if err != nil {
		return nil
	}
	return plain
}

func (l *localCache) writeSealed(kind string, plain []byte) {
	b, err := seal(l.key, localCacheInfo+kind+"\x00"+l.id, plain)
	if err == nil {
		_ = l.c.Write(l.id+kind, b)
	}
}

// load reads .cat and .seen once.
func (l *localCache) load() {
	if l.loaded || !l.active() {
		return
	}
	l.loaded = true
	l.segs = decodeSegCache(l.readSealed(".cat"))
	l.seen = &seenFile{}
	if plain := l.readSealed(".seen"); plain != nil {
		var s seenFile
		if json.Unmarshal(plain, &s) == nil {
			l.seen = &s
		}
	}
}

// decodeSegCache reads the plaintext of .cat: the magic, then for each
// segment its name and plaintext, each as a uvarint length and bytes.
func decodeSegCache(b []byte) map[string][]byte {
	segs := map[string][]byte{}
	rest, ok := cutPrefix(b, segCacheMagic)
	for ok && len(rest) > 0 {
		var name, plain []byte
		if name, rest, ok = cutChunk(rest); !ok {
			break
		}
		if plain, rest, ok = cutChunk(rest); !ok {
			break
		}
		segs[string(name)] = plain
	}
	if !ok {
		return map[string][]byte{} // authenticated yet malformed: use none of it
	}
	return segs
}

func cutPrefix(b []byte, p string) ([]byte, bool) {
	if len(b) < len(p) || string(b[:len(p)]) != p {
		return nil, false
	}
	return b[len(p):], true
}

func cutChunk(b []byte) (chunk, rest []byte, ok bool) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, false
	}
	return b[k : k+int(n)], b[k+int(n):], true
}

func encodeSegCache(segs map[string][]byte) []byte {
	names := make([]string, 0, len(segs))
	size := len(segCacheMagic)
	for n, p := range segs {
		names = append(names, n)
		size += len(n) + len(p) + 20
	}
	slices.Sort(names)
	out := make([]byte, 0, size)
	out = append(out, segCacheMagic...)
	for _, n := range names {
		out = binary.AppendUvarint(out, uint64(len(n)))
		out = append(out, n...)
		out = binary.AppendUvarint(out, uint64(len(segs[n])))
		out = append(out, segs[n]...)
	}
	return out
}

func (l *localCache) saveSeen() {
	if b, err := json.Marshal(l.seen); err == nil {
		l.writeSealed(".seen", b)
	}
}

// segmentNames lists the catalogue's segments: the listing UpToDate just
// took, else one LIST of cat/.
func (r *Remote) segmentNames(ctx context.Context) ([]string, error) {
	r.local.load()
	if n := r.local.listing; n != nil {
		r.local.listing = nil
		return n, nil
	}
	return r.list(ctx, "cat/")
}

// segmentPlain is the authenticated plaintext of segment name: from the
// cache when it is there (it was authenticated when read or written),
// else fetched and opened.
func (r *Remote) segmentPlain(ctx context.Context, name string) ([]byte, error) {
	if p, ok := r.local.segs[name]; ok {
		return p, nil
	}
	sealed, err := r.get(ctx, name)
	if errors.Is(err, errNoObject) {
		return nil, fmt.Errorf("%w: catalogue segment %s vanished while read", ErrIntegrity, name)
	}
	if err != nil {
		return nil, err
	}
	return open(r.keys.catalogue, name, sealed)
}

// sawSegments checks a catalogue read against what this machine has seen
// of the remote, then remembers it: every segment seen before must be
// listed, or superseded by a listed consolidation. One that is neither
// was deleted behind this machine's back (a rollback): ErrIntegrity.
func (r *Remote) sawSegments(names []string, segs []segment, plains [][]byte) error {
	l := r.local
	if !l.active() {
		return nil
	}
	listed := make(map[string]bool, len(names))
	for i, n := range names {
		listed[n] = true
		for _, s := range segs[i].Supersedes {
			listed[s] = true
		}
	}
	for _, n := range l.seen.Seen {
		if !listed[n] {
			return fmt.Errorf("%w: the remote lost catalogue segments this machine has seen: %s is gone and no consolidation names it "+
				"(if the remote was emptied on purpose, remove %s)", ErrIntegrity, n, l.c.Path(l.id+".seen"))
		}
	}
	changed := len(l.segs) != len(names)
	fresh := make(map[string][]byte, len(names))
	for i, n := range names {
		if _, ok := l.segs[n]; !ok {
			changed = true
		}
		fresh[n] = plains[i]
	}
	l.segs = fresh
	if changed {
		l.writeSealed(".cat", encodeSegCache(fresh))
	}
	seen := slices.Sorted(slices.Values(names))
	if !slices.Equal(seen, l.seen.Seen) {
		l.seen.Seen = seen
		l.saveSeen()
	}
	return nil
}

// wroteSegment remembers a segment this run wrote (its plaintext, and
// that it exists); the segments it supersedes need not be seen again.
func (r *Remote) wroteSegment(name string, plain []byte, s segment) {
	l := r.local
	l.load()
	if !l.active() {
		return
	}
	l.segs[name] = plain
	for _, n := range s.Supersedes {
		delete(l.segs, n)
	}
	l.writeSealed(".cat", encodeSegCache(l.segs))
	l.seen.Seen = slices.DeleteFunc(l.seen.Seen, func(n string) bool { return slices.Contains(s.Supersedes, n) })
	l.seen.Seen = append(l.seen.Seen, name)
	slices.Sort(l.seen.Seen)
	l.saveSeen()
}

// UpToDate says whether a push can stop at once: the catalogue's segments
// (one LIST, nothing fetched) are exactly those after the last push that
// left nothing to upload, every segment this machine has seen is still
// there, and token (the caller's word for the state of its local store)
// is the same. Then count is how many local backups that push found on
// the remote. Otherwise it keeps the listing for the Catalogue read that
// follows. Without a cache, or with token "", it is false and lists
// nothing.
func (r *Remote) UpToDate(ctx context.Context, token string) (count int, ok bool, err error) {
	l := r.local
	if !l.active() || token == "" {
		return 0, false, nil
	}
	names, err := r.list(ctx, "cat/")
	if err != nil {
		return 0, false, err
	}
	l.listing = names
	p := l.readPush()
	if p == nil || p.Token != token || !slices.Equal(p.Segments, slices.Sorted(slices.Values(names))) {
		return 0, false, nil
	}
	return p.Count, true, nil
}

// readPush reads the push state from .seen alone (the segment cache is
// not needed to tell an unchanged remote). The seen names must all be
// listed in the push state: else the full read checks them.
func (l *localCache) readPush() *pushState {
	plain := l.readSealed(".seen")
	if plain == nil {
		return nil
	}
	var s seenFile
	if json.Unmarshal(plain, &s) != nil || s.Push == nil {
		return nil
	}
	for _, n := range s.Seen {
		if _, ok := slices.BinarySearch(s.Push.Segments, n); !ok {
			return nil
		}
	}
	return s.Push
}

// MarkUpToDate records that after a push every one of count local
// backups, in the local state token, is in catalogue c: the next push in
// the same states stops after one LIST (see UpToDate).
func (r *Remote) MarkUpToDate(c *Catalogue, token string, count int) {
	l := r.local
	l.load()
	if !l.active() || token == "" {
		return
	}
	l.seen.Push = &pushState{Segments: slices.Sorted(slices.Values(c.Segments)), Token: token, Count: count}
	l.saveSeen()
}
