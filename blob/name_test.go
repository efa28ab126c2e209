package blob

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

const ts = "20250921_100000_123456"

func TestParseName(t *testing.T) {
	tests := []struct {
		file string
		want Name
	}{
		// (a) this program's names.
		{"mcp.json.claude-desktop." + ts, Name{Prefix: "mcp.json", Host: "claude-desktop", Timestamp: ts}},
		{"mcp.json.claude-desktop." + ts + ".zst", Name{Prefix: "mcp.json", Host: "claude-desktop", Timestamp: ts, Compressed: true}},
		{"mcp.json.vscode.20000229_235959_999999", Name{Prefix: "mcp.json", Host: "vscode", Timestamp: "20000229_235959_999999"}},
		// (b) Python Hatch "<file>.<host>.<ts>".
		{"claude_desktop_config.json.claude-desktop." + ts, Name{Prefix: "claude_desktop_config.json", Host: "claude-desktop", Timestamp: ts}},
		{"settings.json.gemini." + ts + ".zst", Name{Prefix: "settings.json", Host: "gemini", Timestamp: ts, Compressed: true}},
		{"config.toml.codex." + ts, Name{Prefix: "config.toml", Host: "codex", Timestamp: ts}},
		{"mcp.json.cursor." + ts, Name{Prefix: "mcp.json", Host: "cursor", Timestamp: ts}},
		{"my config.json.cursor." + ts, Name{Prefix: "my config.json", Host: "cursor", Timestamp: ts}},
		{"réglages.json.kiro." + ts, Name{Prefix: "réglages.json", Host: "kiro", Timestamp: ts}},
		{"noext.opencode." + ts, Name{Prefix: "noext", Host: "opencode", Timestamp: ts}},
		{"a..b.augment." + ts, Name{Prefix: "a..b", Host: "augment", Timestamp: ts}},
		{"file.zst.vscode." + ts, Name{Prefix: "file.zst", Host: "vscode", Timestamp: ts}},
		// A lower-case host after MCPHostType is pattern (b), not legacy.
		{"mcp.json.MCPHostType.vscode." + ts, Name{Prefix: "mcp.json.MCPHostType", Host: "vscode", Timestamp: ts}},
		// (c) Python Hatch "mcp.json.MCPHostType.<HOST>.<ts>".
		{"mcp.json.MCPHostType.CLAUDE_DESKTOP." + ts, Name{Prefix: "mcp.json", Host: "claude-desktop", Timestamp: ts, Legacy: "CLAUDE_DESKTOP"}},
		{"mcp.json.MCPHostType.CLAUDE-DESKTOP." + ts, Name{Prefix: "mcp.json", Host: "claude-desktop", Timestamp: ts, Legacy: "CLAUDE-DESKTOP"}},
		{"mcp.json.MCPHostType.CLAUDE_DESKTOP." + ts + ".zst", Name{Prefix: "mcp.json", Host: "claude-desktop", Timestamp: ts, Compressed: true, Legacy: "CLAUDE_DESKTOP"}},
		{"mcp.json.MCPHostType.GEMINI." + ts, Name{Prefix: "mcp.json", Host: "gemini", Timestamp: ts, Legacy: "GEMINI"}},
		{"mcp.json.MCPHostType.MISTRAL_VIBE." + ts, Name{Prefix: "mcp.json", Host: "mistral-vibe", Timestamp: ts, Legacy: "MISTRAL_VIBE"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := ParseName(tt.file)
			if err != nil {
				t.Fatalf("ParseName(%q): %v", tt.file, err)
			}
			if got != tt.want {
				t.Errorf("ParseName(%q) =\n %#v, want\n %#v", tt.file, got, tt.want)
			}
			if s := got.String(); s != tt.file {
				t.Errorf("String() = %q, want %q", s, tt.file)
			}
		})
	}
}

func TestNewNameRoundTrip(t *testing.T) {
	for _, host := range []string{"claude-desktop", "vscode", "a", "x-1"} {
		for _, compressed := range []bool{false, true} {
			n := NewName(host, ts, compressed)
			t.Run(n.String(), func(t *testing.T) {
				want := "mcp.json." + host + "." + ts
				if compressed {
					want += ".zst"
				}
				if n.String() != want {
					t.Errorf("NewName(%q, %q, %v) = %q, want %q", host, ts, compressed, n, want)
				}
				got, err := ParseName(n.String())
				if err != nil || got != n {
					t.Errorf("ParseName(%q) = %#v, %v; want %#v", n, got, err, n)
				}
			})
		}
	}
}

func TestParseNameBad(t *testing.T) {
	tests := []struct {
		name, file string
		also       error // a second sentinel the error must wrap, if any
	}{
		{"empty", "", nil},
		{"temp file", ".mcp.json.x.abc.tmp", nil},
		{"temp file with a valid tail", ".mcp.json.vscode." + ts, nil},
		{"empty prefix", ".vscode." + ts, nil},
		{"prefix only", "mcp.json", nil},
		{"no timestamp", "mcp.json.vscode", nil},
		{"no host", "mcp.json." + ts, nil},
		{"no host, compressed", "mcp.json." + ts + ".zst", nil},
		{"timestamp only", ts, nil},
		{"dot and timestamp", "." + ts, nil},
		{"no dot before timestamp", "mcp.json.vscode_" + ts, nil},
		{"empty host", "mcp.json.." + ts, ErrBadHost},
		{"ISO date", "mcp.json.vscode.2025-09-21", nil},
		{"month 13", "mcp.json.vscode.20251340_000000_000000", ErrBadTimestamp},
		{"seven microsecond digits", "mcp.json.vscode." + ts + "7", nil},
		{"Feb 29 non-leap year", "mcp.json.vscode.20250229_000000_000000", ErrBadTimestamp},
		{"upper-case host", "mcp.json.VSCode." + ts, ErrBadHost},
		{"host with space", "mcp.json.vs code." + ts, ErrBadHost},
		{"Cyrillic host", "mcp.json.vscod\u0435." + ts, ErrBadHost},
		{"double dash host", "mcp.json.a--b." + ts, ErrBadHost},
		{"underscore host", "mcp.json.claude_desktop." + ts, ErrBadHost},
		{"double .zst", "mcp.json.vscode." + ts + ".zst.zst", nil},
		{"other suffix", "mcp.json.vscode." + ts + ".gz", nil},
		{"tmp suffix", "mcp.json.vscode." + ts + ".tmp", nil},
		{"editor backup", "mcp.json.vscode." + ts + "~", nil},
		{"trailing space", "mcp.json.vscode." + ts + " ", nil},
		{"parent dir", "../mcp.json.vscode." + ts, nil},
		{"sub dir", "dir/mcp.json.vscode." + ts, nil},
		{"absolute", "/mcp.json.vscode." + ts, nil},
		{"backslash", `dir\mcp.json.vscode.` + ts, nil},
		{"NUL", "mcp.json\x00.vscode." + ts, nil},
		{"newline", "mcp.json\n.vscode." + ts, nil},
		{"DEL", "mcp.json\x7f.vscode." + ts, nil},
		{"legacy double underscore", "mcp.json.MCPHostType.CLAUDE__DESKTOP." + ts, ErrBadHost},
		{"legacy mixed case", "mcp.json.MCPHostType.Claude_Desktop." + ts, ErrBadHost},
		{"legacy leading underscore", "mcp.json.MCPHostType._X." + ts, ErrBadHost},
		{"legacy trailing underscore", "mcp.json.MCPHostType.X_." + ts, ErrBadHost},
		{"legacy leading digit", "mcp.json.MCPHostType.1X." + ts, ErrBadHost},
		{"legacy empty", "mcp.json.MCPHostType.." + ts, ErrBadHost},
		{"legacy other prefix", "settings.json.MCPHostType.GEMINI." + ts, ErrBadHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseName(tt.file)
			if !errors.Is(err, ErrBadName) {
				t.Fatalf("ParseName(%q) = %#v, %v; want ErrBadName", tt.file, n, err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("ParseName(%q) = %v; want it to wrap %v too", tt.file, err, tt.also)
			}
			if !strings.Contains(err.Error(), strconv.Quote(tt.file)) {
				t.Errorf("error %q does not quote the name", err)
			}
			if n != (Name{}) {
				t.Errorf("ParseName(%q) returned %#v with its error", tt.file, n)
			}
		})
	}
}
