package blob

import (
	"testing"
	"time"
)

func BenchmarkCompress5KB(b *testing.B) {
	data := configJSON(5 << 10)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		Compress(data)
	}
}

func BenchmarkDecompress5KB(b *testing.B) {
	data := configJSON(5 << 10)
	z := Compress(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decompress(z, 1<<20); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseName(b *testing.B) {
	for b.Loop() {
		if _, err := ParseName("claude_desktop_config.json.claude-desktop." + ts + ".zst"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFormatTimestamp(b *testing.B) {
	t := time.Date(2025, 9, 21, 10, 0, 0, 123456789, time.Local)
	for b.Loop() {
		FormatTimestamp(t)
	}
}
