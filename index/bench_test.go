package index

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The read benchmarks share one index of benchRecords records, built once
// per test binary run (in a few big transactions) and removed by TestMain.
const benchRecords = 100_000

var benchHosts = []string{"claude-desktop", "claude-code", "vscode", "cursor", "lmstudio",
	"gemini", "mistral-vibe", "codex", "kiro", "opencode", "augment"}

var bench struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// ScaleDir holds the stores of the scale benchmarks (scale_bench_test.go,
// package index_test); TestMain removes it.
var ScaleDir = filepath.Join(os.TempDir(), "hatch-index-scale-"+strconv.Itoa(os.Getpid()))

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.RemoveAll(ScaleDir)
	os.Exit(code)
}

// benchRecord is record i: one a minute, the hosts in turn, each with a
// realistic config path.
func benchRecord(i int) Record {
	host := benchHosts[i%len(benchHosts)]
	r := rec(host, t0.Add(time.Duration(i)*time.Minute))
	r.OriginalPath = "/home/someone/.config/" + host + "/mcp_config.json"
	r.StoredSize, r.OriginalSize = int64(1000+i%4000), int64(1000+i%4000)
	r.SHA256 = sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
	return r
}

// benchIndex returns the path of the shared 100,000-record index.
func benchIndex(b *testing.B) string {
	b.Helper()
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "hatch-index-bench"); bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "index.db")
		bench.err = buildIndex(bench.path, benchRecords)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.path
}

func buildIndex(path string, n int) error {
	db, err := Open(path, Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if err := makeLayout(db); err != nil {
		return err
	}
	const batch = 20_000
	for start := 0; start < n; start += batch {
		rs := make([]Record, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			rs = append(rs, benchRecord(i))
		}
		if err := db.PutMany(rs); err != nil {
			return err
		}
	}
	return nil
}

func openBench(b *testing.B) *DB {
	b.Helper()
	db, err := Open(benchIndex(b), Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// BenchmarkBuild100k builds the index in 5 transactions and reports its
// size per record: the pages in use and the file (bbolt grows it in steps),
// before and after bbolt's compaction.
func BenchmarkBuild100k(b *testing.B) {
	for b.Loop() {
		dir := b.TempDir()
		path := filepath.Join(dir, "index.db")
		if err := buildIndex(path, benchRecords); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		used, file := sizes(b, path)
		compacted := filepath.Join(dir, "compact.db")
		compact(b, path, compacted)
		cused, cfile := sizes(b, compacted)
		b.StartTimer()
		b.ReportMetric(float64(used)/benchRecords, "B/record-pages")
		b.ReportMetric(float64(file)/benchRecords, "B/record-file")
		b.ReportMetric(float64(cused)/benchRecords, "B/record-compacted-pages")
		b.ReportMetric(float64(cfile)/benchRecords, "B/record-compacted-file")
	}
}

func sizes(b *testing.B, path string) (used, file int64) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return used, fi.Size()
}

func compact(b *testing.B, src, dst string) {
	s, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	d, err := bolt.Open(dst, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	if err := bolt.Compact(d, s, 64<<20); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPut adds one record (one fsynced transaction) to a copy of the
// 100,000-record index.
func BenchmarkPut(b *testing.B) {
	path := filepath.Join(b.TempDir(), "index.db")
	copyFile(b, benchIndex(b), path)
	db, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	i := benchRecords
	for b.Loop() {
		if err := db.Put(benchRecord(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func copyFile(b *testing.B, src, dst string) {
	in, err := os.Open(src)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, in); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkLatest(b *testing.B) {
	db := openBench(b)
	i := 0
	for b.Loop() {
		if _, err := db.Latest(benchHosts[i%len(benchHosts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGet(b *testing.B) {
	db := openBench(b)
	r := benchRecord(benchRecords / 2)
	wall, _ := parseStamp(r.Timestamp)
	for b.Loop() {
		if _, err := db.Get(r.Host, r.Timestamp, time.UnixMicro(wall)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetMiss is the rare path: no record has the timestamp, so Get
// reads all of the host's ~9,000 records.
func BenchmarkGetMiss(b *testing.B) {
	db := openBench(b)
	for b.Loop() {
		if _, err := db.Get("vscode", "20000101_000000_000000", t0); err == nil {
			b.Fatal("found")
		}
	}
}

func benchList(b *testing.B, q Query, want int) {
	db := openBench(b)
	for b.Loop() {
		n := 0
		if err := db.List(q, func(Record) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != want {
			b.Fatalf("listed %d, want %d", n, want)
		}
	}
}

func BenchmarkListHostLimit20(b *testing.B) {
	benchList(b, Query{Hosts: []string{"vscode"}, Limit: 20}, 20)
}

func BenchmarkListHosts3Limit20(b *testing.B) {
	benchList(b, Query{Hosts: []string{"vscode", "cursor", "codex"}, Limit: 20}, 20)
}

// BenchmarkListTimeRange100 lists all hosts over a range holding 100
// records, in the middle of the index.
func BenchmarkListTimeRange100(b *testing.B) {
	since := t0.Add(50_000 * time.Minute)
	benchList(b, Query{Since: since, Until: since.Add(99 * time.Minute)}, 100)
}

func BenchmarkCount(b *testing.B) {
	db := openBench(b)
	for b.Loop() {
		if n, err := db.Count(); err != nil || n != benchRecords {
			b.Fatal(n, err)
		}
	}
}
