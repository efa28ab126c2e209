package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// getWindow is how far from near Get looks first: a timestamp read in
// today's time zone can be off by a zone change (at most 26 hours apart,
// UTC-12 to UTC+14).
const getWindow = 26 * time.Hour

// Latest returns host's newest record by Created, whatever it is (see
// Newest to choose); ErrNotFound when it has none. One cursor step.
func (db *DB) Latest(host string) (Record, error) {
	var r Record
	err := db.view("read", func(tx *bolt.Tx) error {
		hb, paths, err := hostBucket(tx, host)
		if err != nil || hb == nil {
			return notFound(err, host, "no backups")
		}
		k, v := hb.Cursor().Last()
		if k == nil {
			return notFound(nil, host, "no backups")
		}
		r, err = decodeRecord(host, k, v, paths)
		return err
	})
	return r, err
}

// Newest returns host's newest record created at or before until that keep
// accepts (a nil keep accepts every record); ErrNotFound when there is none.
// A zero until is no bound.
//
// It seeks to until once, then steps backwards over the records keep
// refuses: its cost is the number of refused records newer than the
// answer, not the number of the host's records. keep runs inside a read
// transaction and must not use the index.
func (db *DB) Newest(host string, until time.Time, keep func(Record) bool) (Record, error) {
	hi := int64(math.MaxInt64)
	if !until.IsZero() {
		if hi = until.UnixMicro(); hi < 0 {
			return Record{}, notFound(nil, host, "no backups")
		}
	}
	var r Record
	err := db.view("read", func(tx *bolt.Tx) error {
		hb, paths, err := hostBucket(tx, host)
		if err != nil || hb == nil {
			return notFound(err, host, "no backups")
		}
		c := hb.Cursor()
		for k, v := seekDown(c, hi); k != nil; k, v = c.Prev() {
			if r, err = decodeRecord(host, k, v, paths); err != nil {
				return err
			}
			if keep == nil || keep(r) {
				return nil
			}
		}
		return notFound(nil, host, "no backups")
	})
	return r, err
}

// Get finds host's record whose Timestamp is ts; near is ts read as local
// time, used to seek (the search widens to the whole host if needed).
//
// It looks at records created within 26 hours of near first (one seek),
// then, only when none has the timestamp, at all of the host's records;
// ErrNotFound when none does.
func (db *DB) Get(host, ts string, near time.Time) (Record, error) {
	var r Record
	err := db.view("read", func(tx *bolt.Tx) error {
		hb, paths, err := hostBucket(tx, host)
		if err != nil || hb == nil {
			return notFound(err, host, "no backup with timestamp "+ts)
		}
		want := newStampMatcher(ts, paths)
		lo, hi := clampMicros(near.Add(-getWindow)), clampMicros(near.Add(getWindow))
		c := hb.Cursor()
		for k, v := c.Seek(be64(lo)); k != nil && micros(k) <= hi; k, v = c.Next() {
			if r, err = want.match(host, k, v); err != errNoMatch {
				return err
			}
		}
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if m := micros(k); m >= lo && m <= hi {
				continue // seen above
			}
			if r, err = want.match(host, k, v); err != errNoMatch {
				return err
			}
		}
		return notFound(nil, host, "no backup with timestamp "+ts)
	})
	return r, err
}

// errNoMatch is matchStamp's "keep looking".
var errNoMatch = errors.New("no match")

// stampMatcher finds a timestamp reading only the first bytes of each
// value: a Get that misses its window reads a whole host.
type stampMatcher struct {
	ts     string
	wall   int64 // ts as a UTC wall clock in Unix microseconds
	wallOK bool
	paths  *pathReader
}

func newStampMatcher(ts string, paths *pathReader) stampMatcher {
	wall, ok := parseStamp(ts)
	return stampMatcher{ts: ts, wall: wall, wallOK: ok, paths: paths}
}

// match decodes the record under k if it may have the timestamp;
// errNoMatch when it has not.
func (m stampMatcher) match(host string, k, v []byte) (Record, error) {
	if !m.may(k, v) {
		return Record{}, errNoMatch
	}
	r, err := decodeRecord(host, k, v, m.paths)
	if err == nil && r.Timestamp != m.ts {
		err = errNoMatch
	}
	return r, err
}

// may is false only when the value's timestamp, read without decoding the
// rest, is not m's; a value it cannot read is left to decodeRecord.
func (m stampMatcher) may(k, v []byte) bool {
	if len(k) != 8 || len(v) < 3 || !knownVersion(v[0]) {
		return true
	}
	if v[1]&flagRawTimestamp != 0 {
		n, w := binary.Uvarint(v[2:])
		if w <= 0 || n > uint64(len(v)-2-w) {
			return true
		}
		return string(v[2+w:2+w+int(n)]) == m.ts
	}
	off, w := binary.Varint(v[2:])
	if w <= 0 || off < -maxOffset || off > maxOffset {
		return true
	}
	return m.wallOK && micros(k)+off*1e6 == m.wall
}

// hostBucket is host's bucket and a reader of the paths (one Get per
// record read, no cache); nil (and no error) when the index has no layout
// or host no records.
func hostBucket(tx *bolt.Tx, host string) (*bolt.Bucket, *pathReader, error) {
	hosts, paths, err := layout(tx)
	if err != nil || hosts == nil || host == "" {
		return nil, nil, err
	}
	return hosts.Bucket([]byte(host)), newPathReader(paths, false), nil
}

func notFound(err error, host, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrNotFound, host, what)
}

// be64 is the 8-byte big-endian key of a microsecond instant.
func be64(m int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(m)) }

// micros reads the instant a host bucket key holds.
func micros(k []byte) int64 { return int64(binary.BigEndian.Uint64(k[:8])) }

// clampMicros is t in Unix microseconds, never below 0 (keys hold no
// earlier instant).
func clampMicros(t time.Time) int64 { return max(t.UnixMicro(), 0) }
