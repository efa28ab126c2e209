package index

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The scale benchmarks' stores (scale_bench_test.go, package index_test):
// the index alone, built as the store's test generator (store.Generate)
// builds it, since an index test may not import the store above it.
var (
	// ScaleHosts are dealt round-robin, one backup each ScaleStep from
	// ScaleStart.
	ScaleHosts = []string{"cursor", "vscode", "claude-desktop", "codex", "gemini"}
	ScaleStart = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ScaleStep  = time.Minute
)

// scaleBatch is how many records go into one transaction.
const scaleBatch = 20_000

// BuildScaleIndex writes root/index.db with n records of 5120-byte
// backups named in UTC, at the schema the migrations of this program
// reach, and returns its path.
func BuildScaleIndex(root string, n int) (string, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(root, "index.db")
	db, err := Open(path, Options{})
	if err != nil {
		return "", err
	}
	defer db.Close()
	if err := scaleLayout(db); err != nil {
		return "", err
	}
	rs := make([]Record, 0, scaleBatch)
	for i := range n {
		rs = append(rs, scaleRecord(i))
		if len(rs) == scaleBatch || i == n-1 {
			if err := db.PutMany(rs); err != nil {
				return "", err
			}
			rs = rs[:0]
		}
	}
	return path, db.Close()
}

// scaleLayout runs what migrations 1 to 7 run (the index package cannot
// import migrations): the layout of makeLayout, then the buckets of
// folders and change sets, so that the sizes measured are of the index a
// store holds.
func scaleLayout(db *DB) error {
	if err := makeLayout(db); err != nil {
		return err
	}
	nothing := func(*bolt.Tx) error { return nil }
	for v, fn := range []func(*bolt.Tx) error{nothing, CreateFolders, CreateChangeSets, nothing} {
		if err := db.Upgrade(uint32(v+4), fn); err != nil {
			return err
		}
	}
	return nil
}

// scaleRecord is backup i, with the sha256 of a stand-in (no file is
// written).
func scaleRecord(i int) Record {
	host := ScaleHosts[i%len(ScaleHosts)]
	created := ScaleStart.Add(time.Duration(i) * ScaleStep)
	ts, _ := formatStamp(created.UnixMicro())
	return Record{
		Host: host, Timestamp: ts, Created: created,
		File:       host + "/" + canonicalName(host, ts, None),
		StoredSize: 5120, OriginalSize: 5120,
		OriginalPath: "/home/user/.config/" + host + "/mcp.json",
		SHA256:       sha256.Sum256([]byte(strconv.Itoa(i))),
	}
}
