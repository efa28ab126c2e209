package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkVerify re-reads a store of 1000 backups of 4 KB (a third of them
// zstd), as verify does: go test -run ^$ -bench Verify ./store
func BenchmarkVerify(b *testing.B) {
	root := createdStore(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		s, err := Open(ctx, Options{Root: root, Inspect: true, LockTimeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.Verify(ctx, VerifyOptions{})
		s.Close()
		if err != nil || res.Checked != 1000 || len(res.Problems) > 0 {
			b.Fatalf("verify: %d checked, %v, %v", res.Checked, res.Problems, err)
		}
	}
}

// BenchmarkReindex rebuilds the index of the same store from its files.
func BenchmarkReindex(b *testing.B) {
	root := createdStore(b, 1000)
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		os.Remove(filepath.Join(root, IndexFile))
		b.StartTimer()
		res, err := Reindex(ctx, Options{Root: root, LockTimeout: time.Second}, ReindexOptions{})
		if err != nil || len(res.Adopted) != 1000 {
			b.Fatalf("reindex: %d adopted, %v", len(res.Adopted), err)
		}
	}
}

// createdStore makes a store of n backups through real creates.
func createdStore(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	root := filepath.Join(dir, "backups")
	cfg := filepath.Join(dir, "c.json")
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s, err := Open(context.Background(), Options{Root: root, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		os.WriteFile(cfg, fmt.Appendf(nil, `{"mcpServers": {"s%d": {"pad": "%04000d"}}}`, i, i), 0o600)
		if _, err := s.Create(context.Background(), CreateOptions{Host: HostNames()[i%4], ConfigPath: cfg, Compress: i%3 == 0}); err != nil {
			b.Fatal(err)
		}
	}
	return root
}
