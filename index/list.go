package index

import (
	"bytes"
	"container/heap"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Query selects records. Zero Since/Until mean unbounded (both inclusive);
// no Hosts means all; Limit 0 means no limit.
//
// Since and Until compare at microsecond precision (finer digits are
// dropped); a negative Limit means no limit too; a host listed twice counts
// once; a host without records adds nothing.
type Query struct {
	Hosts        []string
	Since, Until time.Time
	Limit        int
}

// bounds are the query's range in Unix microseconds; ok false when it is
// empty.
func (q Query) bounds() (lo, hi int64, ok bool) {
	lo, hi = 0, math.MaxInt64
	if !q.Since.IsZero() {
		lo = clampMicros(q.Since)
	}
	if !q.Until.IsZero() {
		hi = q.Until.UnixMicro()
	}
	return lo, hi, lo <= hi
}

// releaseEvery is how many records a long listing passes between two
// releases of the index's mapped pages: memory stays flat whatever the
// number of records, and short listings never pay for it.
const releaseEvery = 8192

// List calls fn for each matching record, newest first, streaming.
//
// Order is by Created, newest first; records of several hosts with the same
// Created come in descending byte order of the host name. Records are
// decoded and passed one at a time from a cursor per host (merged) or from
// the time bucket (no Hosts): List never builds the result, and stops after
// Limit calls. If fn returns an error, List stops and returns that error
// unchanged (callers may use their own "stop" error). fn runs inside a read
// transaction: it must not write to this index (bbolt would deadlock). An
// index without layout lists nothing.
func (db *DB) List(q Query, fn func(Record) error) error {
	lo, hi, ok := q.bounds()
	if !ok {
		return nil
	}
	var fnErr error
	err := db.view("list", func(tx *bolt.Tx) error {
		hosts, times, err := layout(tx)
		if err != nil || hosts == nil {
			return err
		}
		var src source
		if len(q.Hosts) == 0 {
			src = newTimeSource(hosts, times, lo, hi)
		} else {
			src = newMergeSource(hosts, q.Hosts, lo, hi)
		}
		for n := 0; q.Limit <= 0 || n < q.Limit; n++ {
			r, ok, err := src.next()
			if err != nil || !ok {
				return err
			}
			if n > 0 && n%releaseEvery == 0 {
				releasePages(db.bolt, tx)
			}
			if fnErr = call(fn, r); fnErr != nil {
				return fnErr
			}
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	return err
}

// source yields records newest first.
type source interface {
	next() (r Record, ok bool, err error)
}

// seekDown places c on the last key at or before hi (microseconds).
func seekDown(c *bolt.Cursor, hi int64) (k, v []byte) {
	if hi == math.MaxInt64 {
		return c.Last()
	}
	if k, _ = c.Seek(be64(hi + 1)); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// timeSource walks the time bucket down, reading each record from its host.
type timeSource struct {
	hosts   *bolt.Bucket
	buckets map[string]*bolt.Bucket // host buckets looked up so far
	c       *bolt.Cursor
	k       []byte
	lo      int64
}

func newTimeSource(hosts, times *bolt.Bucket, lo, hi int64) *timeSource {
	s := &timeSource{hosts: hosts, buckets: map[string]*bolt.Bucket{}, c: times.Cursor(), lo: lo}
	s.k, _ = seekDown(s.c, hi)
	return s
}

func (s *timeSource) next() (Record, bool, error) {
	k := s.k
	if k == nil || micros(k) < s.lo {
		return Record{}, false, nil
	}
	s.k, _ = s.c.Prev()
	host := string(k[8:])
	var v []byte
	if hb := s.bucket(host); hb != nil {
		v = hb.Get(k[:8])
	}
	if v == nil {
		return Record{}, false, fmt.Errorf("%w: time bucket lists %q at %x, its host bucket does not",
			ErrCorrupt, host, k[:8])
	}
	r, err := decodeRecord(host, k[:8], v)
	return r, err == nil, err
}

func (s *timeSource) bucket(host string) *bolt.Bucket {
	hb, ok := s.buckets[host]
	if !ok && host != "" {
		hb = s.hosts.Bucket([]byte(host))
		s.buckets[host] = hb
	}
	return hb
}

// mergeSource merges one cursor per host, newest first (a k-way merge on a
// heap of the cursors' current keys).
type mergeSource []*hostCursor

type hostCursor struct {
	host []byte
	c    *bolt.Cursor
	k, v []byte
	lo   int64
}

func newMergeSource(hosts *bolt.Bucket, names []string, lo, hi int64) *mergeSource {
	m := mergeSource{}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] || name == "" {
			continue
		}
		seen[name] = true
		if hb := hosts.Bucket([]byte(name)); hb != nil {
			hc := &hostCursor{host: []byte(name), c: hb.Cursor(), lo: lo}
			if hc.k, hc.v = seekDown(hc.c, hi); hc.live() {
				m = append(m, hc)
			}
		}
	}
	heap.Init(&m)
	return &m
}

func (h *hostCursor) live() bool { return h.k != nil && micros(h.k) >= h.lo }

func (m *mergeSource) next() (Record, bool, error) {
	if len(*m) == 0 {
		return Record{}, false, nil
	}
	top := (*m)[0]
	r, err := decodeRecord(string(top.host), top.k, top.v)
	if top.k, top.v = top.c.Prev(); top.live() {
		heap.Fix(m, 0)
	} else {
		heap.Pop(m)
	}
	return r, err == nil, err
}

// heap.Interface: the "smallest" element is the newest key, ties going to
// the greater host name, the order of the time bucket read backwards.
func (m mergeSource) Len() int { return len(m) }
func (m mergeSource) Less(i, j int) bool {
	if c := bytes.Compare(m[i].k, m[j].k); c != 0 {
		return c > 0
	}
	return bytes.Compare(m[i].host, m[j].host) > 0
}
func (m mergeSource) Swap(i, j int) { m[i], m[j] = m[j], m[i] }
func (m *mergeSource) Push(x any)   { *m = append(*m, x.(*hostCursor)) }
func (m *mergeSource) Pop() any {
	old := *m
	x := old[len(old)-1]
	*m = old[:len(old)-1]
	return x
}

// Count returns the number of records (summed from the host buckets' page
// statistics, not by reading every record).
func (db *DB) Count() (int, error) {
	n := 0
	err := db.view("count", func(tx *bolt.Tx) error {
		hosts, _, err := layout(tx)
		if err != nil || hosts == nil {
			return err
		}
		return hosts.ForEachBucket(func(name []byte) error {
			n += hosts.Bucket(name).Stats().KeyN
			return nil
		})
	})
	return n, err
}
