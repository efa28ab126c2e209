package index

import (
	"bytes"
	"container/heap"
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
// decoded and passed one at a time from a merge of one cursor per host
// (every host when Query names none), each placed by one seek: List never
// builds the result, stops after Limit calls, and reads nothing outside
// the range. If fn returns an error, List stops and returns that error
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
		hosts, paths, err := layout(tx)
		if err != nil || hosts == nil {
			return err
		}
		names := q.Hosts
		if len(names) == 0 {
			names = hostNames(hosts)
		}
		src := newMergeSource(hosts, names, lo, hi, newPathReader(paths, true))
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

// hostNames are the names of the host buckets.
func hostNames(hosts *bolt.Bucket) (names []string) {
	_ = hosts.ForEachBucket(func(name []byte) error {
		names = append(names, string(name))
		return nil
	})
	return names
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

// mergeSource merges one cursor per host, newest first (a k-way merge on a
// heap of the cursors' current keys; hosts are few).
type mergeSource struct {
	heap  cursorHeap
	paths *pathReader
}

type hostCursor struct {
	host string
	c    *bolt.Cursor
	k, v []byte
	lo   int64
}

func newMergeSource(hosts *bolt.Bucket, names []string, lo, hi int64, paths *pathReader) *mergeSource {
	m := &mergeSource{paths: paths}
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] || name == "" {
			continue
		}
		seen[name] = true
		if hb := hosts.Bucket([]byte(name)); hb != nil {
			hc := &hostCursor{host: name, c: hb.Cursor(), lo: lo}
			if hc.k, hc.v = seekDown(hc.c, hi); hc.live() {
				m.heap = append(m.heap, hc)
			}
		}
	}
	heap.Init(&m.heap)
	return m
}

func (h *hostCursor) live() bool { return h.k != nil && micros(h.k) >= h.lo }

// next yields the newest record left; ok false when none is.
func (m *mergeSource) next() (Record, bool, error) {
	if len(m.heap) == 0 {
		return Record{}, false, nil
	}
	top := m.heap[0]
	r, err := decodeRecord(top.host, top.k, top.v, m.paths)
	if top.k, top.v = top.c.Prev(); top.live() {
		heap.Fix(&m.heap, 0)
	} else {
		heap.Pop(&m.heap)
	}
	return r, err == nil, err
}

// cursorHeap is a heap.Interface whose "smallest" element is the newest
// key, ties going to the greater host name: the order of schema 2's time
// bucket (Created, then host) read backwards.
type cursorHeap []*hostCursor

func (h cursorHeap) Len() int { return len(h) }
func (h cursorHeap) Less(i, j int) bool {
	if c := bytes.Compare(h[i].k, h[j].k); c != 0 {
		return c > 0
	}
	return h[i].host > h[j].host
}
func (h cursorHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)   { *h = append(*h, x.(*hostCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
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
