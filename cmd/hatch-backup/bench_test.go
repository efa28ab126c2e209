package main

import (
	"fmt"
	"strings"
	"testing"
)

// bigConfig is a claude-code-sized config (about 100 KB): many projects,
// each with servers that hold secrets.
func bigConfig(tag string) []byte {
	var b strings.Builder
	b.WriteString("{\n  \"projects\": {\n")
	for i := range 300 {
		fmt.Fprintf(&b, "    \"/home/u/p%d\": {\"mcpServers\": {\"s%d\": {\"command\": \"npx\", \"env\": {\"API_KEY\": \"sk-%s-%020d\"}}}},\n", i, i, tag, i)
	}
	b.WriteString("    \"/last\": {}\n  }\n}\n")
	return []byte(b.String())
}

func BenchmarkMaskedDiff100KB(b *testing.B) {
	old, new := bigConfig("a"), bigConfig("b")
	b.SetBytes(int64(len(old)))
	for b.Loop() {
		if _, err := maskedDiff("json", "a", "b", old, new); err != nil {
			b.Fatal(err)
		}
	}
}
