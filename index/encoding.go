package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// Version 2 of a record's value in its host bucket. Host is the bucket's
// name and Created the key, so neither is repeated:
//
//	version      byte = 2 (1: the same without the parse byte)
//	flags        byte: bit 0 timestamp stored raw, bit 1 file name stored raw
//	timestamp    raw: uvarint length + bytes; else varint seconds from
//	             Created to the timestamp's wall clock (the time-zone offset)
//	name         only when raw: uvarint length + bytes; else it is
//	             "mcp.json.<host>.<timestamp>[.zst]" and File "<host>/<name>"
//	stored size  uvarint
//	original     uvarint size, then uvarint length + bytes of the path
//	sha256       32 bytes
//	compression  byte: 0 none, 1 zstd
//	parse        byte: 0 unknown, 1 parsed, 2 unparsable (version 2 only;
//	             a version 1 value decodes as unknown)
//
// A backup hatch-backup wrote takes about 60 bytes plus its original path.
const recordVersion = 2

// recordVersion1 values lack the parse byte. Schema 2 (migration 2) is what
// lets records of version 2 exist, so that an older program refuses the
// index as newer instead of calling these records corrupt.
const recordVersion1 = 1

const (
	flagRawTimestamp = 1 << iota
	flagRawName
	knownFlags = flagRawTimestamp | flagRawName
)

// encodeRecord returns r's value for its host bucket; ErrInvalidRecord when
// r cannot be stored.
func encodeRecord(r Record) ([]byte, error) {
	if why := r.validate(); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrInvalidRecord, why)
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
	b := make([]byte, 0, 48+len(r.OriginalPath))
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
	b = appendString(b, r.OriginalPath)
	b = append(b, r.SHA256[:]...)
	return append(b, byte(r.Compression), byte(r.Parse)), nil
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// decodeRecord rebuilds the record stored under key in host's bucket. Every
// length and value is checked: damage gives an error wrapping ErrCorrupt,
// never a panic, and whatever it returns encodeRecord accepts.
func decodeRecord(host string, key, value []byte) (Record, error) {
	r, err := decodeFields(host, key, value)
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

func decodeFields(host string, key, value []byte) (Record, error) {
	if len(key) != 8 || key[0]&0x80 != 0 {
		return Record{}, fmt.Errorf("key is not 8 bytes of microseconds since 1970")
	}
	micros := int64(binary.BigEndian.Uint64(key))
	d := decoder{b: value}
	version := d.byte()
	if d.err == nil && version != recordVersion && version != recordVersion1 {
		return Record{}, fmt.Errorf("unknown record version %d", version)
	}
	flags := d.byte()
	if d.err == nil && flags&^knownFlags != 0 {
		return Record{}, fmt.Errorf("unknown flags %#x", flags)
	}
	r := Record{Host: host, Created: time.UnixMicro(micros).UTC()}
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
	r.OriginalPath = d.string(maxPathLen)
	copy(r.SHA256[:], d.bytes(len(r.SHA256)))
	r.Compression = Compression(d.byte())
	if version == recordVersion {
		r.Parse = ParseStatus(d.byte())
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
