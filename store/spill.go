package store

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
)

// spillBytes is how many bytes of records a spillSorter holds before it
// writes them, sorted, to its temp file as one run. A variable only so
// that tests can cross runs with a few records.
var spillBytes = 1 << 20

// spillSorter gives back strings added to it in byte order, in memory
// that does not grow with their number: past spillBytes, sorted runs go
// to a temp file outside the store (never the store: verify writes
// nothing there) and are merged when read. A store of 1,000,000 backups
// sorts its file names in about 100 runs; a small store never touches the
// disk.
type spillSorter struct {
	mem     []string
	memSize int
	f       *os.File
	name    string // of f, when it could not be unlinked at once
	runs    []spillRun
	end     int64 // of the runs written
	// inMemory: no temp file could be made (no writable temp folder):
	// the records stay in memory, which then grows with them, rather
	// than failing the command.
	inMemory bool
}

// spillRun is one sorted run in the temp file.
type spillRun struct{ off, size int64 }

// recordOverhead is what a held string costs besides its bytes.
const recordOverhead = 16

// Add adds rec.
func (s *spillSorter) Add(rec string) error {
	s.mem = append(s.mem, rec)
	s.memSize += len(rec) + recordOverhead
	if s.memSize >= spillBytes && !s.inMemory {
		return s.spill()
	}
	return nil
}

// spill writes the records held, sorted, as one run.
func (s *spillSorter) spill() error {
	if len(s.mem) == 0 {
		return nil
	}
	if s.f == nil {
		f, err := os.CreateTemp("", "hatch-backup-sort-*")
		if err != nil {
			s.inMemory = true
			return nil
		}
		s.f = f
		// Unlinked at once where the system allows it: a killed process
		// leaves nothing behind.
		if os.Remove(f.Name()) != nil {
			s.name = f.Name()
		}
	}
	slices.Sort(s.mem)
	w := bufio.NewWriterSize(io.NewOffsetWriter(s.f, s.end), 64<<10)
	var n int64
	var lenBuf [binary.MaxVarintLen64]byte
	for _, r := range s.mem {
		k := binary.PutUvarint(lenBuf[:], uint64(len(r)))
		if _, err := w.Write(lenBuf[:k]); err != nil {
			return fmt.Errorf("sort file names: %w", err)
		}
		if _, err := w.WriteString(r); err != nil {
			return fmt.Errorf("sort file names: %w", err)
		}
		n += int64(k + len(r))
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("sort file names: %w", err)
	}
	s.runs = append(s.runs, spillRun{s.end, n})
	s.end += n
	clear(s.mem) // let the strings go
	s.mem, s.memSize = s.mem[:0], 0
	return nil
}

// All yields every record added, in byte order. It is read once, after
// the last Add.
func (s *spillSorter) All() iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if len(s.runs) == 0 { // a small sort, or no temp file (inMemory)
			slices.Sort(s.mem)
			for _, r := range s.mem {
				if !yield(r, nil) {
					return
				}
			}
			return
		}
		if err := s.spill(); err != nil {
			yield("", err)
			return
		}
		m := make(mergeHeap, 0, len(s.runs))
		for _, r := range s.runs {
			c := &runCursor{r: bufio.NewReaderSize(io.NewSectionReader(s.f, r.off, r.size), 16<<10)}
			if ok, err := c.next(); err != nil {
				yield("", err)
				return
			} else if ok {
				m = append(m, c)
			}
		}
		heap.Init(&m)
		for len(m) > 0 {
			c := m[0]
			if !yield(c.head, nil) {
				return
			}
			ok, err := c.next()
			if err != nil {
				yield("", err)
				return
			}
			if ok {
				heap.Fix(&m, 0)
			} else {
				heap.Pop(&m)
			}
		}
	}
}

// Close removes the temp file.
func (s *spillSorter) Close() error {
	s.mem = nil
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if s.name != "" {
		err = errors.Join(err, os.Remove(s.name))
	}
	s.f = nil
	return err
}

// runCursor reads one run.
type runCursor struct {
	r    *bufio.Reader
	head string
}

func (c *runCursor) next() (bool, error) {
	n, err := binary.ReadUvarint(c.r)
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sort file names: %w", err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(c.r, b); err != nil {
		return false, fmt.Errorf("sort file names: %w", err)
	}
	c.head = string(b)
	return true, nil
}

// mergeHeap orders the runs by their next record.
type mergeHeap []*runCursor

func (m mergeHeap) Len() int           { return len(m) }
func (m mergeHeap) Less(i, j int) bool { return m[i].head < m[j].head }
func (m mergeHeap) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
func (m *mergeHeap) Push(x any)        { *m = append(*m, x.(*runCursor)) }
func (m *mergeHeap) Pop() any {
	old := *m
	c := old[len(old)-1]
	*m = old[:len(old)-1]
	return c
}
