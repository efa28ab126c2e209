//go:build unix

package index_test

import (
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
)

// The scale benchmarks run on indexes that BuildScaleIndex builds (as the
// store's generator would: the hosts of ScaleHosts in turn, one backup a
// minute): one per size, made once per test binary run in ScaleDir, which
// TestMain removes.
var scaleSizes = []int{100_000, 1_000_000}

var scale struct {
	sync.Mutex
	paths map[int]string
}

func scaleIndex(b *testing.B, n int) string {
	b.Helper()
	scale.Lock()
	defer scale.Unlock()
	if p, ok := scale.paths[n]; ok {
		return p
	}
	if scale.paths == nil {
		scale.paths = map[int]string{}
	}
	root := filepath.Join(index.ScaleDir, strconv.Itoa(n))
	p, err := index.BuildScaleIndex(root, n)
	if err != nil {
		b.Fatal(err)
	}
	scale.paths[n] = p
	return p
}

// allocated is the space the file takes on disk: its allocated blocks.
func allocated(b *testing.B, path string) (blocks, size int64) {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Blocks * 512, fi.Size()
}

// BenchmarkIndexSize reports the index's size per backup as BuildScaleIndex
// builds it (big transactions) and after CompactTo (what compact leaves):
// blocks allocated on disk (the measure) and the file's length.
// The loop only stats the files; the time is not the point.
func BenchmarkIndexSize(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			path := scaleIndex(b, n)
			compacted := filepath.Join(b.TempDir(), "compact.db")
			db, err := index.Open(path, index.Options{ReadOnly: true})
			if err != nil {
				b.Fatal(err)
			}
			err = db.CompactTo(compacted)
			db.Close()
			if err != nil {
				b.Fatal(err)
			}
			var blocks, size, cblocks, csize int64
			for b.Loop() {
				blocks, size = allocated(b, path)
				cblocks, csize = allocated(b, compacted)
			}
			b.ReportMetric(float64(blocks)/float64(n), "B/backup-blocks")
			b.ReportMetric(float64(size)/float64(n), "B/backup-file")
			b.ReportMetric(float64(cblocks)/float64(n), "B/backup-compacted-blocks")
			b.ReportMetric(float64(csize)/float64(n), "B/backup-compacted-file")
		})
	}
}

// BenchmarkScaleList: the in-process list targets (a host's 20
// newest under 50 µs, all hosts over a range of 100 under 200 µs) at each
// size.
func BenchmarkScaleList(b *testing.B) {
	start := index.ScaleStart
	for _, n := range scaleSizes {
		since := start.Add(time.Duration(n/2) * time.Minute)
		for _, c := range []struct {
			name string
			q    index.Query
			want int
		}{
			{"host-limit-20", index.Query{Hosts: []string{"vscode"}, Limit: 20}, 20},
			{"all-hosts-range-100", index.Query{Since: since, Until: since.Add(99 * time.Minute)}, 100},
			{"all-hosts-limit-20", index.Query{Limit: 20}, 20},
		} {
			b.Run(c.name+"/n="+strconv.Itoa(n), func(b *testing.B) {
				db, err := index.Open(scaleIndex(b, n), index.Options{ReadOnly: true})
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				for b.Loop() {
					got := 0
					if err := db.List(c.q, func(index.Record) error { got++; return nil }); err != nil {
						b.Fatal(err)
					}
					if got != c.want {
						b.Fatalf("listed %d, want %d", got, c.want)
					}
				}
			})
		}
	}
}
