package blob

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateHostGood(t *testing.T) {
	for _, h := range []string{
		"claude-desktop", "claude-code", "vscode", "cursor", "lmstudio", "gemini",
		"mistral-vibe", "codex", "kiro", "opencode", "augment",
		"a", "x1", "a-1-b", "h2o", strings.Repeat("a", MaxHostLen),
	} {
		t.Run(h, func(t *testing.T) {
			if err := ValidateHost(h); err != nil {
				t.Errorf("ValidateHost(%q) = %v", h, err)
			}
		})
	}
}

func TestValidateHostBad(t *testing.T) {
	tests := []struct{ name, host string }{
		{"empty", ""},
		{"parent dir", "../etc"},
		{"dot dot", ".."},
		{"absolute", "/abs"},
		{"slash inside", "a/b"},
		{"backslash", `a\b`},
		{"dot", "vs.code"},
		{"upper case", "VSCode"},
		{"space", "vs code"},
		{"NUL", "\x00"},
		{"NUL inside", "vs\x00code"},
		{"tab", "vs\tcode"},
		{"newline", "vscode\n"},
		{"Cyrillic look-alike", "vscod\u0435"},   // Cyrillic ie
		{"Cyrillic first letter", "\u0441ursor"}, // Cyrillic es
		{"accented", "café"},
		{"invalid UTF-8", "vs\xffcode"},
		{"65 bytes", strings.Repeat("a", MaxHostLen+1)},
		{"300 characters", strings.Repeat("x", 300)},
		{"leading dash", "-x"},
		{"trailing dash", "x-"},
		{"double dash", "a--b"},
		{"only a dash", "-"},
		{"leading digit", "1abc"},
		{"underscore", "claude_desktop"},
		{"legacy enum spelling", "CLAUDE_DESKTOP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateHost(tt.host)
			if !errors.Is(err, ErrBadHost) {
				t.Fatalf("ValidateHost(%q) = %v, want ErrBadHost", tt.host, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, fmt.Sprintf("%+q", tt.host)) {
				t.Errorf("error %q does not quote the host", msg)
			}
			for _, r := range msg {
				if r < 0x20 || r >= 0x7f {
					t.Errorf("error %q has an unescaped %U", msg, r)
				}
			}
			if !utf8.ValidString(msg) {
				t.Errorf("error %q is not valid UTF-8", msg)
			}
		})
	}
}
