package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Version 3 of a record's value in its host bucket. Host is the bucket's
// name and Created the key, so neither is repeated:
//
//	version      byte = 3 (2 and 1: see below)
//	flags        byte: bit 0 timestamp stored raw, bit 1 file name stored raw,
//	             bit 2 a safety backup (Record.Safety; schema 4 on)
//	timestamp    raw: uvarint length + bytes; else varint seconds from
//	             Created to the timestamp's wall clock (the time-zone offset)
//	name         only when raw: uvarint length + bytes; else it is
//	             "mcp.json.<host>.<timestamp>[.zst]" and File "<host>/<name>"
//	stored size  uvarint
//	original     uvarint size, then uvarint id of the path in BucketPaths
//	             (0: unknown)
//	sha256       32 bytes
//	compression  byte: 0 none, 1 zstd, 2 delta (schema 6 on)
//	parse        byte: 0 unknown, 1 parsed, 2 unparsable
//	base         only with flag bit 3 (a delta; schema 6 on): uvarint
//	             length + the base's timestamp
//
// Version 2 stores the path inline (uvarint length + bytes) instead of its
// id; version 1 is version 2 without the parse byte (it decodes as
// unknown). Both still decode; every write is version 3. A backup
// hatch-backup wrote takes 43 bytes.
const recordVersion = 3

// Older record versions. Each came with a schema bump (migrations 2 and
// 3), so that an older program refuses the index as newer instead of
// calling the new records corrupt.
const (
	recordVersion1 = 1
	recordVersion2 = 2
)

func knownVersion(v byte) bool {
	return v == recordVersion || v == recordVersion2 || v == recordVersion1
}

// The flags. flagSafety came with schema 4 (migration 4): an older program
// would call a record with it corrupt, and refuses that index as newer
// instead.
const (
	flagRawTimestamp = 1 << iota
	flagRawName
	flagSafety
	// flagBase came with schema 6 (migration 6): a delta's record ends
	// with its base's timestamp.
	flagBase
	knownFlags = flagRawTimestamp | flagRawName | flagSafety | flagBase
)

// pathInterner gives a path its id in BucketPaths (0 for "").
type pathInterner interface {
	idOf(path string) (uint64, error)
}

// pathResolver is the other way: an id's path, an error when it has none.
type pathResolver interface {
	pathOf(id uint64) (string, error)
}

// validRecord is ErrInvalidRecord when r cannot be stored.
func validRecord(r Record) error {
	if why := r.validate(); why != "" {
		return fmt.Errorf("%w: %s", ErrInvalidRecord, why)
	}
	return nil
}

// encodeRecord returns r's value for its host bucket, its path interned
// by paths; ErrInvalidRecord when r cannot be stored.
func encodeRecord(r Record, paths pathInterner) ([]byte, error) {
	if err := validRecord(r); err != nil {
		return nil, err
	}
	pathID, err := paths.idOf(r.OriginalPath)
	if err != nil {
		return nil, err
	}
	name := r.File[len(r.Host)+1:]
	var flags byte
	offset, compact := stampOffset(r.Timestamp, r.Created.UnixMicro())
	if !compact {
		flags |= flagRawTimestamp
	}
	if name != canonicalName(r.Host, r.Timestamp, r.Compression) {
		flags |= flagRawName
	}
	if r.Safety {
		flags |= flagSafety
	}
	if r.Base != "" {
		flags |= flagBase
	}
	b := make([]byte, 0, 64)
	b = append(b, recordVersion, flags)
	if compact {
		b = binary.AppendVarint(b, offset)
	} else {
		b = appendString(b, r.Timestamp)
	}
	if flags&flagRawName != 0 {
		b = appendString(b, name)
	}
	b = binary.AppendUvarint(b, uint64(r.StoredSize))
	b = binary.AppendUvarint(b, uint64(r.OriginalSize))
	b = binary.AppendUvarint(b, pathID)
	b = append(b, r.SHA256[:]...)
	b = append(b, byte(r.Compression), byte(r.Parse))
	if r.Base != "" {
		b = appendString(b, r.Base)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeRecord rebuilds the record stored under key in host's bucket,
// resolving a version 3 path id with paths. Every length and value is
// checked: damage (a dangling path id included) gives an error wrapping
// ErrCorrupt, never a panic, and whatever it returns encodeRecord accepts.
func decodeRecord(host string, key, value []byte, paths pathResolver) (Record, error) {
	r, err := decodeFields(host, key, value, paths)
	if err == nil {
		if why := r.validate(); why != "" {
			err = errors.New(why)
		}
	}
	if err != nil {
		return Record{}, fmt.Errorf("%w: record %x of host %q: %w", ErrCorrupt, key, host, err)
	}
	return r, nil
}

func decodeFields(host string, key, value []byte, paths pathResolver) (Record, error) {
	if len(key) != 8 || key[0]&0x80 != 0 {
		return Record{}, fmt.Errorf("key is not 8 bytes of microseconds since 1970")
	}
	micros := int64(binary.BigEndian.Uint64(key))
	d := decoder{b: value}
	version := d.byte()
	if d.err == nil && !knownVersion(version) {
		return Record{}, fmt.Errorf("unknown record version %d", version)
	}
	flags := d.byte()
	if d.err == nil && flags&^knownFlags != 0 {
		return Record{}, fmt.Errorf("unknown flags %#x", flags)
	}
	r := Record{Host: host, Created: time.UnixMicro(micros).UTC(), Safety: flags&flagSafety != 0}
	if flags&flagRawTimestamp != 0 {
		r.Timestamp = d.string(maxNameLen)
	} else if d.err == nil {
		r.Timestamp = d.stamp(micros)
	}
	var name string
	if flags&flagRawName != 0 {
		name = d.string(maxNameLen)
	}
	r.StoredSize = d.size()
	r.OriginalSize = d.size()
	if version == recordVersion {
		r.OriginalPath = d.path(paths)
	} else {
		r.OriginalPath = d.string(maxPathLen)
	}
	copy(r.SHA256[:], d.bytes(len(r.SHA256)))
	r.Compression = Compression(d.byte())
	if version != recordVersion1 {
		r.Parse = ParseStatus(d.byte())
	}
	if flags&flagBase != 0 {
		r.Base = d.string(maxNameLen)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if flags&flagRawName == 0 {
		name = canonicalName(host, r.Timestamp, r.Compression)
	}
	r.File = host + "/" + name
	return r, d.err
}

// decoder reads a value front to back; after the first error every read
// returns a zero value and the error stays.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n > len(d.b) {
		d.fail("truncated: %d bytes wanted, %d left", n, len(d.b))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if v := d.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad or truncated varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) size() int64 {
	v := d.uvarint()
	if v > math.MaxInt64 {
		d.fail("size %d out of range", v)
		return 0
	}
	return int64(v)
}

func (d *decoder) string(limit int) string {
	n := d.uvarint()
	if n > uint64(limit) {
		d.fail("string of %d bytes, limit %d", n, limit)
		return ""
	}
	return string(d.bytes(int(n)))
}

// path reads a path id and resolves it; 0 is no path.
func (d *decoder) path(paths pathResolver) string {
	id := d.uvarint()
	if d.err != nil || id == 0 {
		return ""
	}
	if paths == nil {
		d.fail("path id %d and no paths to resolve it", id)
		return ""
	}
	p, err := paths.pathOf(id)
	if err != nil {
		d.fail("%w", err)
	}
	return p
}

// stamp reads a compact timestamp: seconds from Created to the wall clock.
func (d *decoder) stamp(micros int64) string {
	off, n := binary.Varint(d.b)
	if n <= 0 || off < -maxOffset || off > maxOffset {
		d.fail("bad timestamp offset")
		return ""
	}
	d.b = d.b[n:]
	off *= 1e6
	if off > 0 && micros > math.MaxInt64-off {
		d.fail("timestamp out of range")
		return ""
	}
	s, ok := formatStamp(micros + off)
	if !ok {
		d.fail("timestamp out of range")
	}
	return s
}
