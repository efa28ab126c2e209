package mcpconfig

import (
	"strings"
	"testing"
)

// FuzzMask: whatever the input and format, Mask does not panic, keeps the
// number of lines, and shows none of the secrets it collected; MaskPair
// shows neither side's.
func FuzzMask(f *testing.F) {
	f.Add("json", `{"env": {"K": "v"}}`, "")
	f.Add("toml", "a = { env = { K = \"v\" } }\n[x.env]\nK = 'v'", "")
	f.Add("toml", "[s.env]\nK = \"\"\"\nline-one\nline-two\n\"\"\"\n# line-one", "[s]\nK = 1")
	f.Add("jsonc", "{\n// S1-secret\n\"servers\": {\"a\": {\"args\": [\"-e\", \"A=S1-secret\", \"--token\", \"tok-val\"],},},}", `{"url": "https://u:pass1@h/?api_key=q1"}`)
	f.Add("yaml", "extensions:\n  a:\n    envs: {K: v1}\n    args:\n    - --token\n    - \"S1 tok\"\n", "token: |\n  line-one\n# line-one")
	f.Add("yaml", "mcpServers:\n- name: a\n  env:\n    K: 'it''s\n    on'\n", "a: &x [*x]")
	for _, c := range shapeCases {
		f.Add("json", shapeDoc(FormatJSON, c.json, c.secret), shapeDoc(FormatJSONC, c.json, c.secret))
		f.Add("toml", shapeDoc(FormatTOML, c.toml, c.secret), "")
	}
	f.Fuzz(func(t *testing.T, format, in, other string) {
		out := Mask(format, []byte(in))
		if strings.Count(out, "\n") != strings.Count(in, "\n") {
			t.Fatalf("line count changed")
		}
		for _, s := range secretsOf(format, []byte(in)) {
			if strings.Contains(out, s) {
				t.Fatalf("shows the secret %q", s)
			}
		}
		a, b := MaskPair(format, []byte(in), []byte(other))
		secrets := append(secretsOf(format, []byte(in)), secretsOf(format, []byte(other))...)
		for _, s := range secrets {
			if strings.Contains(a, s) || strings.Contains(b, s) {
				t.Fatalf("pair shows the secret %q", s)
			}
		}
		if strings.Count(a, "\n") != strings.Count(in, "\n") || strings.Count(b, "\n") != strings.Count(other, "\n") {
			t.Fatalf("pair line count changed")
		}
	})
}

// FuzzParse: Parse fails only with a *ParseError, for every format.
func FuzzParse(f *testing.F) {
	f.Add(`{"a": [1, "x"]}`)
	f.Add("[t]\na = 1")
	f.Add("a: [1, {b: *c}]\n- x")
	f.Fuzz(func(t *testing.T, s string) {
		for _, format := range []string{FormatJSON, FormatJSONC, FormatTOML, FormatYAML} {
			if _, err := Parse(format, []byte(s)); err != nil {
				if _, ok := err.(*ParseError); !ok {
					t.Fatalf("%s: %v is not a *ParseError", format, err)
				}
			}
		}
	})
}
