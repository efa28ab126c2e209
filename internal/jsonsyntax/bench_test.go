package jsonsyntax

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchDocs: a config of 5 KB as the bench store writes it (mostly
// padding), and one of many short strings, keys and numbers.
var benchDocs = map[string][]byte{
	"padded-5KB": []byte(`{"mcpServers": {"server-1": {"command": "npx", "args": ["-y", "pkg"]` + strings.Repeat(" ", 5050) + "}}}"),
	"dense-5KB":  dense(5120),
}

func dense(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"mcpServers": {`)
	for i := 0; b.Len() < size-100; i++ {
		fmt.Fprintf(&b, "\n    \"s%d\": {\"command\": \"node\", \"args\": [\"/srv/%d.js\", \"--port\", %d], \"env\": {\"KEY\": \"sk-\\u00e9%d\"}},", i, i, 8000+i, i)
	}
	b.WriteString("\n    \"last\": {}\n}}\n")
	return []byte(b.String())
}

// BenchmarkValid compares Valid with encoding/json.Valid on the same
// documents: go test -run ^$ -bench . ./internal/jsonsyntax
func BenchmarkValid(b *testing.B) {
	for name, doc := range benchDocs {
		if !json.Valid(doc) {
			b.Fatalf("%s is not JSON", name)
		}
		b.Run("jsonsyntax/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if !Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
		b.Run("encoding-json/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if !json.Valid(doc) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
