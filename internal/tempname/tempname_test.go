package tempname

import (
	"path/filepath"
	"testing"
)

func TestIs(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".mcp.json.0123456789abcdef.tmp", true},
		{".mcp.json.vscode.20250921_101112_131415.fedcba9876543210.tmp", true},
		{"..claude.json.0123456789abcdef.tmp", true},
		{".x.0000000000000000.tmp", true},
		{".mcp.json.0123456789ABCDEF.tmp", false},  // upper case: not ours
		{".mcp.json.0123456789abcde.tmp", false},   // 15 digits
		{".mcp.json.0123456789abcdef0.tmp", false}, // 17 digits
		{"..0123456789abcdef.tmp", false},          // empty base
		{".0123456789abcdef.tmp", false},
		{"mcp.json.0123456789abcdef.tmp", false}, // no leading dot
		{".mcp.json.0123456789abcdef", false},
		{".mcp.json.0123456789abcdef.tmp~", false},
		{".mcp.json-0123456789abcdef.tmp", false},
		{".mcp.json.0123456789abcdeg.tmp", false},
		{"dir/.mcp.json.0123456789abcdef.tmp", false},
		{`.back\slash.0123456789abcdef.tmp`, filepath.Separator == '/'}, // a valid base on unix
		{".mcp.json", false},
		{".tmp", false},
		{"", false},
		{"mcp.json.vscode.20250921_101112_131415", false},
		{"mcp.json.vscode.20250921_101112_131415.zst", false},
		{"index.db", false},
		{"lock", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Is(tt.name); got != tt.want {
				t.Errorf("Is(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

// Every name the package makes is recognised, and names do not repeat.
func TestNameRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, base := range []string{"mcp.json", ".claude.json", "x", "mcp.json.cursor.20250921_101112_131415.zst"} {
		for range 100 {
			name := Name(base)
			if !Is(name) || filepath.Base(name) != name {
				t.Fatalf("Name(%q) = %q, which Is rejects", base, name)
			}
			if seen[name] {
				t.Fatalf("Name repeated %q", name)
			}
			seen[name] = true
		}
	}
}
