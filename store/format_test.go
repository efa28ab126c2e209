package store

import (
	"errors"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	const secret = "sk-SECRET-in-config"
	cases := []struct {
		name, format, data string
		line, col          int // 0: parses
	}{
		{"json", FormatJSON, `{"mcpServers": {"a": {"env": {"K": "` + secret + `"}}}}`, 0, 0},
		{"json empty", FormatJSON, ``, 1, 1},
		{"json trailing comma", FormatJSON, "{\n  \"a\": 1,\n}", 3, 1},
		{"json comment", FormatJSON, "{\n// " + secret + "\n}", 2, 1},
		{"json garbage after", FormatJSON, `{} x`, 1, 4},
		{"json cut", FormatJSON, `{"a": "` + secret, 1, len(`{"a": "` + secret)},
		{"jsonc comments and commas", FormatJSONC, "{\n  // note\n  \"servers\": {\"a\": {},},\n}", 0, 0},
		{"jsonc blank", FormatJSONC, " ", 1, 2},
		{"jsonc broken", FormatJSONC, "{\n  \"servers\": {\n    \"a\" " + secret + "\n}", 3, 9},
		{"toml", FormatTOML, "[mcp_servers.a]\ncommand = \"npx\"\nenv = { K = \"" + secret + "\" }\n", 0, 0},
		{"toml array of tables", FormatTOML, "[[mcp_servers]]\nname = \"a\"\n", 0, 0},
		{"toml broken", FormatTOML, "[mcp_servers.a]\ncommand = " + secret + "\n", 2, 11},
		{"toml duplicate key", FormatTOML, "a = 1\na = 2\n", 2, 7},
		{"yaml", FormatYAML, "extensions:\n  github:\n    envs:\n      TOKEN: " + secret + "\n", 0, 0},
		{"yaml empty", FormatYAML, "", 0, 0},
		{"yaml broken flow", FormatYAML, "extensions:\n  github:\n    args: [-y, " + secret + "\n  other: {}\n", 4, 3},
		{"yaml bad indent", FormatYAML, "mcpServers:\n  - name: a\n   command: " + secret + "\n", 3, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig(c.format, []byte(c.data))
			if c.line == 0 {
				if err != nil {
					t.Fatalf("want it to parse: %v", err)
				}
				return
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err %v, want a *ParseError", err)
			}
			if pe.Format != c.format || pe.Line != c.line || pe.Column != c.col {
				t.Errorf("got %s line %d col %d, want %s line %d col %d", pe.Format, pe.Line, pe.Column, c.format, c.line, c.col)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error shows content: %v", err)
			}
		})
	}
	if _, err := ParseConfig("ini", []byte("a = 1")); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown format: %v, want ErrInvalid", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2]}`, "{\n// c\n\"a\": 1,}", "[a]\nb = 1", "[[a]]\nname = \"x\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, format := range []string{FormatJSON, FormatJSONC, FormatTOML, FormatYAML} {
			_, err := ParseConfig(format, []byte(s))
			var pe *ParseError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s: %v is not a *ParseError", format, err)
			}
			if pe != nil && pe.Line > 0 && pe.Line > strings.Count(s, "\n")+1 {
				t.Fatalf("%s: line %d past the end", format, pe.Line)
			}
		}
	})
}

// TestCheckSyntaxAgreesWithParseConfig: the quick check and the full parse
// say the same of every config, and a failure carries the full parse's
// position.
func TestCheckSyntaxAgreesWithParseConfig(t *testing.T) {
	docs := []string{
		``, ` `, `{}`, `[]`, `5`, `"s"`, `null`, `{"a": 1}`, `{"a": 1} `, "{\"a\": 1}\n\n",
		`{"a": 1} {"b": 2}`, `{"a": }`, `{"a": 1,}`, `{a: 1}`, "{\"a\": 1, // note\n}", "// only a comment",
		`{"mcpServers": {"x": {"command": "npx"}}}`, "\ufeff{}", `{"a": "\x00"}`, `[1, 2,]`, `{"a": 1}}`,
		"a = 1\n", "[mcp_servers.x]\ncommand = \"npx\"\n", "a = \n", "[[mcp_servers]]\nname = \"x\"\n",
	}
	for _, format := range []string{FormatJSON, FormatJSONC, FormatTOML, FormatYAML} {
		for _, d := range docs {
			_, full := ParseConfig(format, []byte(d))
			quick := checkSyntax(format, []byte(d))
			if (full == nil) != (quick == nil) || (full != nil && full.Error() != quick.Error()) {
				t.Errorf("%s %q: ParseConfig says %v, checkSyntax %v", format, d, full, quick)
			}
		}
	}
}
