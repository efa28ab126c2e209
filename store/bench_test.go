package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/migrations"
)

// Benchmarks of the store's operations. Create and restore are measured
// beside BenchmarkRawDurableWrite, the disk's own cost for the same bytes,
// so that their cost reads as a ratio to it (scripts/bench does that).
// Query benchmarks run at 100 to 1,000,000 indexed backups; the large
// stores are generated once and kept under the temp folder
// (hatch-backup-bench-*), since building them takes seconds.

var benchCounts = []int{100, 10_000, 100_000, 1_000_000}

const benchStep = time.Minute

// benchStore returns the root of a generated store of n backups.
func benchStore(b *testing.B, n int) string {
	b.Helper()
	return generatedStore(b, fmt.Sprintf("%d", n), GenSpec{N: n, Step: benchStep})
}

// generatedStore returns the root of the store spec describes, generated
// once under the temp folder with name in its folder's name. A marker
// beside the root (not in it: verify would call it unknown) says that the
// generation finished.
func generatedStore(b *testing.B, name string, spec GenSpec) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("hatch-backup-bench-%s-schema%d", name, migrations.Latest()))
	ready := dir + ".ready"
	if _, err := os.Stat(ready); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	spec.Root = dir
	if err := Generate(spec); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(ready, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return dir
}

func openBench(b *testing.B, root string, readOnly bool) *Store {
	b.Helper()
	s, err := Open(context.Background(), Options{Root: root, UpgradingReader: readOnly, LockTimeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkRawDurableWrite is the baseline: a new file of 5 KB made
// durable the plain way (temp file, write, fsync, close, rename, folder
// fsync), with nothing else.
func BenchmarkRawDurableWrite(b *testing.B) {
	dir := b.TempDir()
	data := GenContent(0, 5120)
	i := 0
	for b.Loop() {
		i++
		if err := rawDurableWrite(dir, "f"+strconv.Itoa(i), data); err != nil {
			b.Fatal(err)
		}
	}
}

func rawDurableWrite(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// BenchmarkCreate5KB is a durable create of a 5 KB config into an open
// store, plain and compressed.
func BenchmarkCreate5KB(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("zstd=%v", compress), func(b *testing.B) {
			cfg := filepath.Join(b.TempDir(), "mcp.json")
			if err := os.WriteFile(cfg, GenContent(1, 5120), 0o600); err != nil {
				b.Fatal(err)
			}
			s := openBench(b, filepath.Join(b.TempDir(), "root"), false)
			for b.Loop() {
				if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg, Compress: compress}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRestore5KB restores one of two 5 KB backups in turn (so each
// restore changes the file), without a safety backup and with one.
func BenchmarkRestore5KB(b *testing.B) {
	for _, safety := range []bool{false, true} {
		b.Run(fmt.Sprintf("safety-backup=%v", safety), func(b *testing.B) {
			cfg := filepath.Join(b.TempDir(), "mcp.json")
			s := openBench(b, filepath.Join(b.TempDir(), "root"), false)
			var stamps []string
			for i := range 2 {
				os.WriteFile(cfg, GenContent(i, 5120), 0o600)
				res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg})
				if err != nil {
					b.Fatal(err)
				}
				stamps = append(stamps, res.Backup.Timestamp)
			}
			i := 0
			for b.Loop() {
				i++
				_, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor", Timestamp: stamps[i%2], NoBackup: !safety})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQueries: the queries a user makes, at growing store sizes.
// Their cost must not grow with the backups outside what they return.
func BenchmarkQueries(b *testing.B) {
	for _, n := range benchCounts {
		if n > 100_000 && testing.Short() {
			continue
		}
		root := benchStore(b, n)
		s := openBench(b, root, true)
		ctx := context.Background()
		mid := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n/2) * benchStep)
		b.Run(fmt.Sprintf("latest/n=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Latest(ctx, "cursor"); err != nil {
					b.Fatal(err)
				}
			}
		})
		queries := []struct {
			name string
			q    Query
			want int
		}{
			{"host-limit-20", Query{Hosts: []string{"cursor"}, Limit: 20}, 20},
			{"range-100", Query{Since: mid, Until: mid.Add(99 * benchStep)}, 100},
			{"host-range-20", Query{Hosts: []string{"vscode"}, Since: mid, Until: mid.Add(99 * benchStep)}, 20},
		}
		for _, q := range queries {
			if n/2+100 > n {
				continue // the range would run past the newest backup
			}
			b.Run(fmt.Sprintf("%s/n=%d", q.name, n), func(b *testing.B) {
				for b.Loop() {
					got := 0
					for _, err := range s.List(ctx, q.q) {
						if err != nil {
							b.Fatal(err)
						}
						got++
					}
					if got != q.want {
						b.Fatalf("%d results, want %d", got, q.want)
					}
				}
			})
		}
	}
}
