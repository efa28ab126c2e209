package atomic

import (
	"fmt"
	"path/filepath"
	"testing"
)

// The cost of durability: each op is a whole protocol run (temp file,
// write, fsync, close, publish, directory fsync). On macOS the file fsync
// is F_FULLFSYNC (see bench_darwin_test.go for it alone); on Windows it is
// FlushFileBuffers and the directory fsync is skipped.
func BenchmarkWriteNew(b *testing.B) {
	for _, size := range []int{4 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			dir := b.TempDir()
			data := make([]byte, size)
			b.SetBytes(int64(size))
			for i := 0; b.Loop(); i++ {
				if err := WriteNew(OS(), filepath.Join(dir, fmt.Sprintf("b%d", i)), data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReplaceFile(b *testing.B) {
	for _, size := range []int{4 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "config.json")
			data := make([]byte, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if err := ReplaceFile(OS(), path, data, 0o600); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
