package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"golang.org/x/crypto/chacha20poly1305"
)

// A backup's stored bytes go up as a blob: padded with zeros to
// padded(n), cut into chunks of chunkSize, each chunk sealed on its own
// (XChaCha20-Poly1305, random nonce) and bound to the object's name, the
// blob's offset in it, the chunk's index and whether it is the last. A
// blob reads back chunk by chunk (bounded memory, ranged GETs) and one
// moved, cut, reordered or swapped within or between objects does not
// open. Many small blobs share one object, a pack; a blob of packTarget
// or more is an object of its own, written from a temporary file of its
// sealed bytes.
const (
	chunkSize     = 1 << 20
	chunkOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
	sealedChunk   = chunkSize + chunkOverhead
	// readWindow is how many chunks one ranged GET of a large blob reads.
	readWindow = 8
)

// packTarget is the size from which a pack is sent: packs of 8 to 16
// MiB, a few hundred to thousands of backups each. A variable for tests.
var packTarget int64 = 8 << 20

// SetPackTargetForTest sets packTarget and returns the function that
// puts it back. Tests only.
func SetPackTargetForTest(n int64) func() {
	old := packTarget
	packTarget = n
	return func() { packTarget = old }
}

// PackTarget is the size from which a pack is sent; a backup stored in
// this many bytes or more goes as an object of its own.
func PackTarget() int64 { return packTarget }

// SealedLen is the length of the blob of n stored bytes.
func SealedLen(n int64) int64 {
	p := padded(n)
	return p + (p+chunkSize-1)/chunkSize*chunkOverhead
}

func chunkAD(name string, off, i int64, last bool) []byte {
	ad := make([]byte, 0, len(name)+18)
	ad = append(ad, name...)
	ad = append(ad, 0)
	ad = binary.BigEndian.AppendUint64(ad, uint64(off))
	ad = binary.BigEndian.AppendUint64(ad, uint64(i))
	if last {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// sealBlob writes the blob of the n bytes src yields to w, as the blob
// at off in object name, and returns the sha256 of those n bytes.
func sealBlob(key []byte, name string, off int64, src io.Reader, n int64, w io.Writer) (Sum, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return Sum{}, err
	}
	h := sha256.New()
	total := padded(n)
	chunks := (total + chunkSize - 1) / chunkSize
	buf := make([]byte, 0, min(total, chunkSize)+chunkOverhead)
	read := int64(0)
	for i := range chunks {
		size := min(chunkSize, total-i*chunkSize)
		plain := make([]byte, size)
		if want := min(size, n-read); want > 0 {
			if _, err := io.ReadFull(src, plain[:want]); err != nil {
				return Sum{}, fmt.Errorf("read backup: %w", err)
			}
			h.Write(plain[:want])
			read += want
		}
		nonce := buf[:aead.NonceSize()]
		if _, err := rand.Read(nonce); err != nil {
			return Sum{}, err
		}
		out := aead.Seal(nonce, nonce, plain, chunkAD(name, off, i, i == chunks-1))
		if _, err := w.Write(out); err != nil {
			return Sum{}, err
		}
	}
	var s Sum
	h.Sum(s[:0])
	return s, nil
}

// blobOpener opens a blob's chunks in order, checking the padding and
// the stored sha256 at the end.
type blobOpener struct {
	key  []byte
	e    Entry
	i    int64 // next chunk
	out  int64 // stored bytes written
	hash hash.Hash
	w    io.Writer
}

func newBlobOpener(key []byte, e Entry, w io.Writer) *blobOpener {
	return &blobOpener{key: key, e: e, hash: sha256.New(), w: w}
}

func (b *blobOpener) chunks() int64 { return (padded(b.e.Stored) + chunkSize - 1) / chunkSize }

func (b *blobOpener) damaged(why string) error {
	return fmt.Errorf("%w: object %s does not hold %s backup %s: %s", ErrIntegrity, b.e.Object, b.e.Host, b.e.Timestamp, why)
}

// feed opens the sealed chunks in data (whole chunks, from chunk b.i on).
func (b *blobOpener) feed(data []byte) error {
	aead, err := chacha20poly1305.NewX(b.key)
	if err != nil {
		return err
	}
	total := padded(b.e.Stored)
	for len(data) > 0 {
		if b.i >= b.chunks() {
			return b.damaged("more bytes than the catalogue says")
		}
		size := min(chunkSize, total-b.i*chunkSize)
		if int64(len(data)) < size+chunkOverhead {
			return b.damaged("truncated")
		}
		c := data[:size+chunkOverhead]
		data = data[size+chunkOverhead:]
		n := aead.NonceSize()
		plain, err := aead.Open(nil, c[:n], c[n:], chunkAD(b.e.Object, b.e.Offset, b.i, b.i == b.chunks()-1))
		if err != nil {
			return b.damaged("does not authenticate (tampered, truncated or moved)")
		}
		b.i++
		keep := min(int64(len(plain)), b.e.Stored-b.out)
		if keep < 0 {
			keep = 0
		}
		if !allZero(plain[keep:]) {
			return b.damaged("padding is not zeros")
		}
		b.hash.Write(plain[:keep])
		if b.w != nil {
			if _, err := b.w.Write(plain[:keep]); err != nil {
				return err
			}
		}
		b.out += keep
	}
	return nil
}

func (b *blobOpener) finish() error {
	if b.i != b.chunks() || b.out != b.e.Stored {
		return b.damaged("truncated")
	}
	var s Sum
	b.hash.Sum(s[:0])
	if s != b.e.StoredSHA256 {
		return b.damaged("sha256 does not match the catalogue")
	}
	return nil
}

// Packer fills one pack in memory.
type Packer struct {
	r       *Remote
	name    string
	buf     bytes.Buffer
	entries []Entry
}

// NewPacker starts a pack under a new random name.
func (r *Remote) NewPacker() *Packer {
	p := &Packer{r: r, name: "data/" + randomName()}
	// Grown once: doubling a buffer to 16 MiB copies and clears it
	// again and again.
	p.buf.Grow(int(min(packTarget, 16<<20) + 1<<20))
	return p
}

// Add seals stored (the backup's bytes as stored: plain, zstd or delta)
// into the pack and returns e with its place filled in.
func (p *Packer) Add(e Entry, stored []byte) (Entry, error) {
	e.Object, e.Offset, e.Stored = p.name, int64(p.buf.Len()), int64(len(stored))
	sum, err := sealBlob(p.r.keys.data, p.name, e.Offset, bytes.NewReader(stored), e.Stored, &p.buf)
	if err != nil {
		return e, err
	}
	e.StoredSHA256, e.Length = sum, int64(p.buf.Len())-e.Offset
	p.entries = append(p.entries, e)
	return e, nil
}

// Len is the pack's size so far.
func (p *Packer) Len() int64 { return int64(p.buf.Len()) }

// Entries are the backups the pack holds.
func (p *Packer) Entries() []Entry { return p.entries }

// Full says the pack has reached its target size.
func (p *Packer) Full() bool { return int64(p.buf.Len()) >= packTarget }

// Put writes the pack, padded with random bytes to padded(size) so that
// its size tells only roughly how much it holds.
func (p *Packer) Put(ctx context.Context) error {
	pad := make([]byte, padded(int64(p.buf.Len()))-int64(p.buf.Len()))
	if _, err := rand.Read(pad); err != nil {
		return err
	}
	p.buf.Write(pad)
	err := ours(p.r.put(ctx, p.name, p.buf.Bytes()))
	p.buf = bytes.Buffer{}
	return err
}

// ours: a new object's name is 128 random bits, so a conditional put
// that finds it taken met our own earlier try, which the server stored
// (a put is whole or nothing) though its answer was lost, and retried.
func ours(err error) error {
	if errors.Is(err, ErrExist) {
		return nil
	}
	return err
}

// UploadLone writes the n stored bytes src yields as an object of their
// own: sealed into a temporary file first (only ciphertext touches the
// disk), then sent from it, so that memory does not grow with n.
func (r *Remote) UploadLone(ctx context.Context, e Entry, src io.Reader, n int64) (Entry, error) {
	f, err := os.CreateTemp("", "hatch-push-*")
	if err != nil {
		return e, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	e.Object, e.Offset, e.Stored = "data/"+randomName(), 0, n
	h := sha256.New()
	if e.StoredSHA256, err = sealBlob(r.keys.data, e.Object, 0, src, n, io.MultiWriter(f, h)); err != nil {
		return e, err
	}
	e.Length = SealedLen(n)
	err = r.client.PutObjectFile(ctx, r.bucket, r.prefix+e.Object, f, e.Length, hex.EncodeToString(h.Sum(nil)), true)
	return e, ours(r.fail("upload", err))
}

// ReadBlob reads e's blob (ranged GETs of at most readWindow chunks),
// writes its stored bytes to w (nil: only checks) as they open, and checks them against
// the catalogue. A legacy entry (a whole object of the previous format)
// is read whole and gives the backup's original bytes.
func (r *Remote) ReadBlob(ctx context.Context, e Entry, w io.Writer) error {
	if e.Legacy() {
		data, err := r.Download(ctx, e, func(b []byte) [32]byte { return sha256.Sum256(b) })
		if err != nil || w == nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	b := newBlobOpener(r.keys.data, e, w)
	for off := int64(0); off < e.Length; {
		n := min(int64(readWindow)*sealedChunk, e.Length-off)
		data, err := r.getRange(ctx, e.Object, e.Offset+off, n)
		if err != nil {
			return r.missing(e, err)
		}
		if int64(len(data)) != n {
			return b.damaged("truncated")
		}
		if err := b.feed(data); err != nil {
			return err
		}
		off += n
	}
	return b.finish()
}

// OpenBlob checks the sealed bytes of e's blob, already read (a span of
// its pack), and returns its stored bytes.
func (r *Remote) OpenBlob(e Entry, sealed []byte) ([]byte, error) {
	var out bytes.Buffer
	b := newBlobOpener(r.keys.data, e, &out)
	if int64(len(sealed)) != e.Length {
		return nil, b.damaged("truncated")
	}
	if err := b.feed(sealed); err != nil {
		return nil, err
	}
	return out.Bytes(), b.finish()
}

// ReadSpan reads n bytes of object from off in one ranged GET (the
// blobs of one pack that a pull wants); a short answer is ErrIntegrity.
func (r *Remote) ReadSpan(ctx context.Context, object string, off, n int64) ([]byte, error) {
	data, err := r.getRange(ctx, object, off, n)
	if err != nil {
		return nil, r.missing(Entry{Object: object}, err)
	}
	if int64(len(data)) != n {
		return nil, fmt.Errorf("%w: object %s is truncated", ErrIntegrity, object)
	}
	return data, nil
}

func (r *Remote) missing(e Entry, err error) error {
	if errors.Is(err, errNoObject) {
		if e.Host == "" {
			return fmt.Errorf("%w: object %s is missing", ErrIntegrity, e.Object)
		}
		return fmt.Errorf("%w: object %s of %s backup %s is missing", ErrIntegrity, e.Object, e.Host, e.Timestamp)
	}
	return err
}

func (r *Remote) getRange(ctx context.Context, name string, off, n int64) ([]byte, error) {
	data, err := r.client.GetRange(ctx, r.bucket, r.prefix+name, off, n)
	if err != nil {
		switch s3Code(err) {
		case "NoSuchKey":
			return nil, errNoObject
		case "InvalidRange":
			// A range past the object's end: it was truncated.
			return nil, nil
		}
		return nil, r.fail("download", err)
	}
	return data, nil
}

// Object is a data object as the bucket lists it.
type Object = ObjectInfo

// DataObjects lists every object under data/ with its size and time
// (names relative to the prefix).
func (r *Remote) DataObjects(ctx context.Context) ([]Object, error) {
	infos, err := r.client.ListObjectsInfo(ctx, r.bucket, r.prefix+"data/")
	if err != nil {
		return nil, r.fail("list", err)
	}
	for i := range infos {
		infos[i].Key = infos[i].Key[len(r.prefix):]
	}
	return infos, nil
}

// FetchSealed reads e's sealed bytes as they are in the bucket (the
// whole object for a legacy entry): what pull keeps on disk until it
// writes, so that only ciphertext waits there.
func (r *Remote) FetchSealed(ctx context.Context, e Entry) ([]byte, error) {
	if e.Legacy() {
		data, err := r.get(ctx, e.Object)
		return data, r.missing(e, err)
	}
	return r.ReadSpan(ctx, e.Object, e.Offset, e.Length)
}

// OpenSealed checks sealed (from FetchSealed, or e's span of its pack)
// against e and returns what it holds: the stored bytes, or for a legacy
// entry the original bytes.
func (r *Remote) OpenSealed(e Entry, sealed []byte) ([]byte, error) {
	if !e.Legacy() {
		return r.OpenBlob(e, sealed)
	}
	data, err := open(r.keys.data, e.Object, sealed)
	if err != nil {
		return nil, err
	}
	return checkLegacy(e, data, func(b []byte) [32]byte { return sha256.Sum256(b) })
}
