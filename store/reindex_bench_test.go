package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkReindexIndexLost rebuilds a lost index from n backup files of
// 5 KB of one host, the bench script's case: go test -run '^$' -bench
// ReindexIndexLost ./store (-short skips 100,000, whose store takes
// 800 MB under the temp folder and is kept there).
func BenchmarkReindexIndexLost(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		if n > 10_000 && testing.Short() {
			continue
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			root := generatedStore(b, fmt.Sprintf("files-%d", n), GenSpec{N: n, Hosts: []string{"cursor"}, Files: true})
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				if err := os.Remove(filepath.Join(root, IndexFile)); err != nil && !os.IsNotExist(err) {
					b.Fatal(err)
				}
				b.StartTimer()
				res, err := Reindex(ctx, Options{Root: root, LockTimeout: time.Second}, ReindexOptions{})
				if err != nil || len(res.Adopted) != n || len(res.Problems) > 0 {
					b.Fatalf("reindex: %d adopted, %v, %v", len(res.Adopted), res.Problems, err)
				}
			}
		})
	}
}
