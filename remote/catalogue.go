package remote

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// catalogueFormat is the segment format this release writes (3: backups
// in packs, stored as they are on disk, deltas with their bases). It
// reads format 2 too (one object per backup, its original bytes); 1 was
// gob, never written by a release.
const catalogueFormat = 3

// oldestFormat is the oldest segment format this release reads.
const oldestFormat = 2

// Entry is one backup in the catalogue: all that pull needs to rebuild
// it, authenticated by the catalogue key.
type Entry struct {
	Object string `json:"object"` // data/<rand>: a pack, or the backup's own object
	// Offset and Length place the backup's blob in Object. Length 0: an
	// entry of format 2, whose object is the backup's original bytes,
	// padded and sealed whole (Legacy).
	Offset       int64     `json:"offset,omitempty"`
	Length       int64     `json:"length,omitempty"`
	Host         string    `json:"host"`
	Timestamp    string    `json:"timestamp"`
	Created      time.Time `json:"created"`
	OriginalPath string    `json:"path"`
	Size         int64     `json:"size"`   // original bytes
	SHA256       Sum       `json:"sha256"` // of the original bytes
	// Compressed (format 2 only): the local file was zstd; the object
	// holds the original bytes all the same.
	Compressed bool  `json:"compressed,omitempty"`
	Safety     bool  `json:"safety,omitempty"`
	Parse      uint8 `json:"parse,omitempty"`
	// Encoding is the blob's form, as the file was on disk: "" (plain),
	// "zstd" or "delta".
	Encoding string `json:"encoding,omitempty"`
	// Stored is the blob's byte count before sealing, StoredSHA256 their
	// sha256.
	Stored       int64 `json:"stored,omitempty"`
	StoredSHA256 Sum   `json:"stored_sha256,omitzero"`
	// A delta's base: its timestamp (as the delta file names it), its
	// instant (the base's Key with Host) and the sha256 of its original
	// bytes.
	Base        string    `json:"base,omitempty"`
	BaseCreated time.Time `json:"base_created,omitzero"`
	BaseSHA256  Sum       `json:"base_sha256,omitzero"`
}

// Encodings of a blob.
const (
	EncodingPlain = ""
	EncodingZstd  = "zstd"
	EncodingDelta = "delta"
)

// Legacy reports an entry of format 2: a whole object of original bytes.
func (e Entry) Legacy() bool { return e.Length == 0 }

// ID names the blob: the object, and for a blob in a pack its offset.
// Removals name IDs.
func (e Entry) ID() string {
	if e.Legacy() {
		return e.Object
	}
	return e.Object + "@" + strconv.FormatInt(e.Offset, 10)
}

// BaseKey is the Key of a delta's base.
func (e Entry) BaseKey() string { return Entry{Host: e.Host, Created: e.BaseCreated}.Key() }

// check refuses an entry no release writes: a blob's place and form
// must add up before anything is read at it.
func (e Entry) check() error {
	bad := func(why string) error {
		return fmt.Errorf("%w: catalogue entry for %s backup %s: %s", ErrIntegrity, e.Host, e.Timestamp, why)
	}
	if !strings.HasPrefix(e.Object, "data/") {
		return bad(fmt.Sprintf("names object %q", e.Object))
	}
	if e.Legacy() {
		if e.Encoding != "" || e.Base != "" {
			return bad("a whole object with an encoding")
		}
		return nil
	}
	switch {
	case e.Offset < 0 || e.Stored < 0 || e.Length != SealedLen(e.Stored):
		return bad("place and size do not add up")
	case e.Encoding != EncodingPlain && e.Encoding != EncodingZstd && e.Encoding != EncodingDelta:
		return bad("unknown encoding " + strconv.Quote(e.Encoding))
	case (e.Encoding == EncodingDelta) != (e.Base != ""):
		return bad("a delta needs a base, and only a delta has one")
	case e.Encoding == EncodingDelta && !e.BaseCreated.After(e.Created):
		return bad("its base is not newer than it")
	case e.Encoding == EncodingPlain && (e.Stored != e.Size || e.StoredSHA256 != e.SHA256):
		return bad("plain, yet stored and original differ")
	}
	return nil
}

// Sum is a sha256, written in hex: an array of 32 numbers in JSON costs
// several times more to decode.
type Sum [32]byte

// MarshalText is the sum in hex.
func (s Sum) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(s[:])), nil }

// UnmarshalText reads a sum in hex.
func (s *Sum) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("sha256 of %d hex digits", len(b))
	}
	_, err := hex.Decode(s[:], b)
	return err
}

// Key is what makes two entries the same backup: its host and instant.
func (e Entry) Key() string { return e.Host + "\x00" + e.Created.UTC().Format(time.RFC3339Nano) }

// segment is the plaintext of one cat/<rand> object.
type segment struct {
	Format  int      `json:"format"`
	Parents []string `json:"parents"` // segments read before this one was written
	Added   []Entry  `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"` // Entry.ID of backups removed by clean
	// Replaced: Entry.ID of blobs that an entry Added here holds now (a
	// repack, a delta stored whole); the backups stay.
	Replaced []string `json:"replaced,omitempty"`
	// Supersedes: the segments this one holds all of (a consolidation);
	// they may be gone.
	Supersedes []string `json:"supersedes,omitempty"`
	// RemovedKeys: Entry.Key of backups removed before a consolidation,
	// so that push still knows not to upload them again.
	RemovedKeys []string `json:"removed_keys,omitempty"`
}

// segmentMagic starts every segment's plaintext, then one byte of
// format: a newer format is known as such before anything is decoded.
const segmentMagic = "hatch-backup catalogue\x00"

// encodeSegment is the magic, the format byte, then the segment in JSON
// (encoding/json, which the program links anyway: gob's package
// initialiser alone cost every command 0.6 ms). Only authenticated bytes
// are ever decoded.
func encodeSegment(s segment) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(segmentMagic)
	buf.WriteByte(catalogueFormat)
	// A plain blob's stored bytes are its original bytes: their size and
	// sha256 are not written twice (a fifth of a segment's JSON).
	added := make([]Entry, len(s.Added))
	for i, e := range s.Added {
		if !e.Legacy() && e.Encoding == EncodingPlain {
			e.Stored, e.StoredSHA256 = 0, Sum{}
		}
		added[i] = e
	}
	s.Added = added
	if err := json.NewEncoder(&buf).Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeSegment(name string, plain []byte) (segment, error) {
	var s segment
	rest, ok := bytes.CutPrefix(plain, []byte(segmentMagic))
	if !ok || len(rest) == 0 {
		return s, fmt.Errorf("%w: catalogue segment %s is not a catalogue", ErrIntegrity, name)
	}
	if rest[0] > catalogueFormat {
		return s, fmt.Errorf("%w: catalogue format %d (this release reads %d)", ErrNewer, rest[0], catalogueFormat)
	}
	if rest[0] < oldestFormat {
		return s, fmt.Errorf("%w: catalogue segment %s has format %d, no longer read", ErrIntegrity, name, rest[0])
	}
	if err := json.Unmarshal(rest[1:], &s); err != nil {
		return s, fmt.Errorf("%w: catalogue segment %s: %v", ErrIntegrity, name, err)
	}
	if rest[0] < 3 {
		// Format 2 knew only whole objects: no field of a pack counts.
		for i, e := range s.Added {
			s.Added[i] = Entry{Object: e.Object, Host: e.Host, Timestamp: e.Timestamp, Created: e.Created,
				OriginalPath: e.OriginalPath, Size: e.Size, SHA256: e.SHA256, Compressed: e.Compressed,
				Safety: e.Safety, Parse: e.Parse}
		}
		return s, nil
	}
	for i, e := range s.Added {
		if !e.Legacy() && e.Encoding == EncodingPlain && e.Stored == 0 && e.StoredSHA256 == (Sum{}) {
			s.Added[i].Stored, s.Added[i].StoredSHA256 = e.Size, e.SHA256
		}
	}
	return s, nil
}

// Catalogue is the merged view of every segment.
type Catalogue struct {
	Entries  []Entry  // sorted by host, then instant
	Segments []string // the names read (the parents of the next segment)
	// Removed holds the keys (Entry.Key) of backups that clean --remote
	// removed: push does not upload them again.
	Removed  map[string]bool
	removed  map[string]bool // Entry.ID of removed backups
	replaced map[string]bool // Entry.ID of blobs moved elsewhere
	objects  map[string]bool // every object an entry named, live or not
}

// NamedObjects are the objects any segment read named, whether their
// backups are still there, removed or moved: a data object not among
// them was never recorded (a push killed before its segment, or one
// still running).
func (c *Catalogue) NamedObjects() map[string]bool {
	out := make(map[string]bool, len(c.objects))
	for o := range c.objects {
		out[o] = true
	}
	for _, ids := range []map[string]bool{c.removed, c.replaced} {
		for id := range ids {
			o, _, _ := strings.Cut(id, "@")
			out[o] = true
		}
	}
	return out
}

// Catalogue reads and checks every segment. A segment that does not
// authenticate, is newer than this release, or is named by another but
// missing is an error (ErrIntegrity, ErrNewer): nothing of a catalogue
// that fails is used. A segment this machine has read or written before
// comes from the local cache (see cache.go), and one it has seen that is
// gone unsuperseded is ErrIntegrity.
func (r *Remote) Catalogue(ctx context.Context) (*Catalogue, error) {
	names, err := r.segmentNames(ctx)
	if err != nil {
		return nil, err
	}
	segs := make([]segment, len(names))
	plains := make([][]byte, len(names))
	err = r.each(ctx, len(names), func(ctx context.Context, i int) error {
		plain, err := r.segmentPlain(ctx, names[i]) // the local cache, else GET
		if err != nil {
			return err
		}
		plains[i] = plain
		segs[i], err = decodeSegment(names[i], plain)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := r.sawSegments(names, segs, plains); err != nil {
		return nil, err
	}
	return merge(names, segs)
}

func merge(names []string, segs []segment) (*Catalogue, error) {
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	// A consolidated segment stands for the segments it supersedes.
	for _, s := range segs {
		for _, n := range s.Supersedes {
			have[n] = true
		}
	}
	c := &Catalogue{Segments: names, removed: map[string]bool{}, Removed: map[string]bool{}, replaced: map[string]bool{}, objects: map[string]bool{}}
	byKey := map[string]Entry{}
	for i, s := range segs {
		for _, k := range s.RemovedKeys {
			c.Removed[k] = true
		}
		for _, p := range s.Parents {
			if !have[p] {
				return nil, fmt.Errorf("%w: catalogue segment %s is missing (named by %s)", ErrIntegrity, p, names[i])
			}
		}
		for _, o := range s.Removed {
			c.removed[o] = true
		}
		for _, o := range s.Replaced {
			c.replaced[o] = true
		}
	}
	// A backup is removed as a whole: a second copy of it (two pushers
	// uploaded it at once) does not come back when clean removes one.
	for _, s := range segs {
		for _, e := range s.Added {
			c.objects[e.Object] = true
			if c.removed[e.ID()] {
				c.Removed[e.Key()] = true
			}
		}
	}
	for _, s := range segs {
		for _, e := range s.Added {
			if c.Removed[e.Key()] || c.replaced[e.ID()] {
				continue
			}
			if err := e.check(); err != nil {
				return nil, err
			}
			// Two pushers may upload one backup at once: either copy
			// is good, keep the first by object name for a stable view.
			if old, ok := byKey[e.Key()]; !ok || e.Object < old.Object {
				byKey[e.Key()] = e
			}
		}
	}
	for _, e := range byKey {
		c.Entries = append(c.Entries, e)
	}
	sortEntries(c.Entries)
	return c, nil
}

// Append writes a new segment that adds entries and removes backups (by
// Entry.ID), naming every segment of c as its parent. It never replaces
// a segment.
func (r *Remote) Append(ctx context.Context, c *Catalogue, added []Entry, removed []string) error {
	return r.AppendChange(ctx, c, Change{Added: added, Removed: removed})
}

// Change is what one segment records.
type Change struct {
	Added   []Entry
	Removed []string // Entry.ID of backups removed
	// Replaced: Entry.ID of blobs whose backups an entry of Added now
	// holds (the backups stay).
	Replaced []string
}

// writeSegment seals seg under a new random name, writes it (never over
// another object) and tells the local cache of it.
func (r *Remote) writeSegment(ctx context.Context, seg segment) (string, error) {
	name := "cat/" + randomName()
	plain, err := encodeSegment(seg)
	if err != nil {
		return "", err
	}
	sealed, err := seal(r.keys.catalogue, name, plain)
	if err != nil {
		return "", err
	}
	if err := r.put(ctx, name, sealed); err != nil {
		return "", err
	}
	r.wroteSegment(name, plain, seg)
	return name, nil
}

// AppendChange writes a new segment recording ch, naming every segment
// of c as its parent, and updates c.
func (r *Remote) AppendChange(ctx context.Context, c *Catalogue, ch Change) error {
	removed := ch.Removed
	name, err := r.writeSegment(ctx, segment{Format: catalogueFormat, Parents: c.Segments, Added: ch.Added, Removed: removed, Replaced: ch.Replaced})
	if err != nil {
		return err
	}
	c.Segments = append(c.Segments, name)
	for _, o := range removed {
		c.removed[o] = true
	}
	for _, o := range ch.Replaced {
		c.replaced[o] = true
	}
	c.Entries = slices.DeleteFunc(c.Entries, func(e Entry) bool {
		if c.removed[e.ID()] {
			c.Removed[e.Key()] = true
			return true
		}
		return c.replaced[e.ID()]
	})
	for _, e := range ch.Added {
		c.objects[e.Object] = true
		if !c.Removed[e.Key()] {
			c.Entries = append(c.Entries, e)
		}
	}
	sortEntries(c.Entries)
	return nil
}

func sortEntries(es []Entry) {
	slices.SortFunc(es, func(a, b Entry) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return a.Created.Compare(b.Created)
	})
}

// consolidateAt is the number of segments from which Consolidate merges
// them into one: a catalogue read costs one GET per segment.
var consolidateAt = 64

// Consolidate replaces c's segments by one that holds all of them, when
// there are consolidateAt or more: it writes the new segment (naming the
// old ones as parents and as superseded), then deletes the old ones. A
// segment another machine writes meanwhile stays and is merged as
// before; one that named a deleted segment finds it superseded.
func (r *Remote) Consolidate(ctx context.Context, c *Catalogue) error {
	if len(c.Segments) < consolidateAt {
		return nil
	}
	seg := segment{Format: catalogueFormat, Parents: c.Segments, Supersedes: c.Segments, Added: c.Entries}
	for o := range c.removed {
		seg.Removed = append(seg.Removed, o)
	}
	for k := range c.Removed {
		seg.RemovedKeys = append(seg.RemovedKeys, k)
	}
	for o := range c.replaced {
		seg.Replaced = append(seg.Replaced, o)
	}
	slices.Sort(seg.Replaced)
	slices.Sort(seg.Removed)
	slices.Sort(seg.RemovedKeys)
	name, err := r.writeSegment(ctx, seg)
	if err != nil {
		return err
	}
	old := c.Segments
	c.Segments = []string{name}
	return r.Remove(ctx, old)
}

// Download reads e's object and checks it against e: it opens with the
// data key under its own name, and has e's size and sha256.
func (r *Remote) Download(ctx context.Context, e Entry, sum func([]byte) [32]byte) ([]byte, error) {
	sealed, err := r.get(ctx, e.Object)
	if errors.Is(err, errNoObject) {
		return nil, fmt.Errorf("%w: object %s of %s backup %s is missing", ErrIntegrity, e.Object, e.Host, e.Timestamp)
	}
	if err != nil {
		return nil, err
	}
	data, err := open(r.keys.data, e.Object, sealed)
	if err != nil {
		return nil, err
	}
	return checkLegacy(e, data, sum)
}

// checkLegacy checks the opened whole object of a legacy entry: its
// padding, size and sha256.
func checkLegacy(e Entry, data []byte, sum func([]byte) [32]byte) ([]byte, error) {
	if int64(len(data)) != padded(e.Size) || !allZero(data[min(e.Size, int64(len(data))):]) {
		return nil, fmt.Errorf("%w: object %s does not match the catalogue's size for %s backup %s", ErrIntegrity, e.Object, e.Host, e.Timestamp)
	}
	data = data[:e.Size]
	if sum(data) != e.SHA256 {
		return nil, fmt.Errorf("%w: object %s does not match the catalogue's sha256 for %s backup %s", ErrIntegrity, e.Object, e.Host, e.Timestamp)
	}
	return data, nil
}

// Remove deletes objects (clean --remote, after the segment that removes
// them is written).
func (r *Remote) Remove(ctx context.Context, objects []string) error {
	return r.each(ctx, len(objects), func(ctx context.Context, i int) error {
		err := r.remove(ctx, objects[i])
		if errors.Is(err, errNoObject) {
			return nil
		}
		return err
	})
}

// Each runs fn for 0..n-1 on r's parallelism; the first error stops the
// rest and is returned.
func (r *Remote) Each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	return r.each(ctx, n, fn)
}

// EachN is Each with at most par at once.
func (r *Remote) EachN(ctx context.Context, n, par int, fn func(ctx context.Context, i int) error) error {
	return eachN(ctx, n, min(par, r.parallel), fn)
}

func (r *Remote) each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	return eachN(ctx, n, r.parallel, fn)
}

func eachN(parent context.Context, n, par int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		next  = make(chan int)
	)
	for range min(max(par, 1), max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = parent.Err()
	}
	return first
}

// padded is the size a backup of n bytes is padded to before it is
// sealed: a multiple of 256 bytes, and of 1/16 of the next power of two
// above that, so an object's size tells a config's size only roughly
// (at most about 6% more to store), and the sizes of one host's configs
// do not single out its objects.
func padded(n int64) int64 {
	step := int64(256)
	for p := int64(4096); p < n; p *= 2 {
		step = p / 16
	}
	return (n/step + 1) * step
}

// pad returns data with zeros up to padded(len(data)); the catalogue
// holds the true size.
func pad(data []byte) []byte {
	out := make([]byte, padded(int64(len(data))))
	copy(out, data)
	return out
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
