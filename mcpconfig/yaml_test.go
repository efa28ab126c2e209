package mcpconfig

import (
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestParseYAMLPosition: a YAML syntax error is a *ParseError with the
// line and column of the parser, and its message holds no content.
func TestParseYAMLPosition(t *testing.T) {
	cases := []struct {
		in         string
		line, col  int
		secretText string
	}{
		{"extensions:\n  github:\n    cmd: [npx, S50secret\n  other: 1\n", 4, 3, "S50secret"},
		{"mcpServers:\n  - name: a\n    token: x: S51secret\n", 3, 12, "S51secret"},
		{"GOOSE_MODEL: 'S52secret\n", 1, 14, "S52secret"},
	}
	for _, c := range cases {
		_, err := Parse(FormatYAML, []byte(c.in))
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%q: %v, want a *ParseError", c.in, err)
		}
		if pe.Line != c.line || pe.Column != c.col {
			t.Errorf("%q: at %d:%d, want %d:%d", c.in, pe.Line, pe.Column, c.line, c.col)
		}
		if msg := err.Error(); strings.Contains(msg, c.secretText) || !strings.Contains(msg, "does not parse as yaml at line") {
			t.Errorf("message %q", msg)
		}
	}
}

// TestParseYAMLTree: the tree has the JSON types the rest of the package
// walks; an empty document is an empty map; aliases that expand too far
// are refused rather than walked.
func TestParseYAMLTree(t *testing.T) {
	tree, err := Parse(FormatYAML, []byte("a: 1\nb: [x, 2.5, true, null]\n7: seven\nbig: 18446744073709551615\nanchor: &k {t: 1}\nref: *k\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": json.Number("1"), "b": []any{"x", 2.5, true, nil}, "7": "seven",
		"big": json.Number("18446744073709551615"), "anchor": map[string]any{"t": json.Number("1")}, "ref": map[string]any{"t": json.Number("1")}}
	if !reflect.DeepEqual(tree, want) {
		t.Errorf("got %#v\nwant %#v", tree, want)
	}
	for _, empty := range []string{"", "# only a comment\n", "---\n"} {
		if tree, err := Parse(FormatYAML, []byte(empty)); err != nil || !reflect.DeepEqual(tree, map[string]any{}) {
			t.Errorf("%q: %#v %v", empty, tree, err)
		}
	}
	laughs := "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs += n + ": &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ") + "]\n"
		prev = n
	}
	var pe *ParseError
	if _, err := Parse(FormatYAML, []byte(laughs)); !errors.As(err, &pe) {
		t.Errorf("billion laughs: %v", err)
	}
	if got := Mask(FormatYAML, []byte(laughs)); strings.Count(got, "\n") != strings.Count(laughs, "\n") {
		t.Errorf("billion laughs masked to %q", got)
	}
}

// TestServersYAML: goose's extensions map and continue's mcpServers list.
func TestServersYAML(t *testing.T) {
	goose := Layout{Format: FormatYAML, ServersKey: "extensions"}
	before, err := Servers(goose, []byte("GOOSE_PROVIDER: anthropic\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n  github:\n    cmd: npx\n    envs:\n      GITHUB_TOKEN: S53a\n"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := Servers(goose, []byte("extensions:\n  github: {cmd: npx, envs: {GITHUB_TOKEN: S53b}}\n  developer: {type: builtin, enabled: true}\n  fetch:\n    cmd: uvx\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []ServerChange{{"fetch", "added"}, {"github", "changed"}}
	if got := DiffServers(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("goose: got %v, want %v", got, want)
	}
	cont := Layout{Format: FormatYAML, ServersKey: "mcpServers"}
	got, err := Servers(cont, []byte("name: my config\nmcpServers:\n  - name: SQLite\n    command: npx\n  - command: uvx\n"))
	if err != nil || len(got) != 2 || got["SQLite"] == "" || got["#2"] == "" {
		t.Errorf("continue: %v %v", got, err)
	}
	if _, err := Servers(cont, []byte("- a\n- b\n")); !errors.Is(err, ErrNotObject) {
		t.Errorf("a list at the top: %v", err)
	}
}

// yamlBlock writes v (from JSON) as block-style YAML at indent, strings
// double-quoted as JSON writes them (YAML reads those the same).
func yamlBlock(b *strings.Builder, v any, indent string) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString(indent + k + ":")
			switch x := v[k].(type) {
			case map[string]any, []any:
				b.WriteString("\n")
				yamlBlock(b, x, indent+"  ")
			default:
				b.WriteString(" ")
				yamlBlock(b, x, "")
				b.WriteString("\n")
			}
		}
	case []any:
		for _, x := range v {
			b.WriteString(indent + "- ")
			yamlBlock(b, x, "")
			b.WriteString("\n")
		}
	default:
		var out strings.Builder
		enc := json.NewEncoder(&out)
		enc.SetEscapeHTML(false)
		enc.Encode(v)
		b.WriteString(strings.TrimSuffix(out.String(), "\n"))
	}
}

// yamlShapeDoc is shapeDoc for YAML: the server of a shape case in block
// style, the secret repeated in a comment and in another server's value.
func yamlShapeDoc(t *testing.T, server, secret string) string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(server))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("# old value: " + secret + "\nextensions:\n  srv:\n")
	yamlBlock(&b, v, "    ")
	b.WriteString("  other:\n    cmd: node # keep\n    description: was " + secret + "\n")
	return b.String()
}

// TestMaskShapesYAML: the shape cases in block-style YAML: the secret
// appears nowhere, and the text is the input with the secret replaced.
func TestMaskShapesYAML(t *testing.T) {
	for _, c := range shapeCases {
		t.Run(c.name, func(t *testing.T) {
			in := yamlShapeDoc(t, c.json, c.secret)
			if _, err := Parse(FormatYAML, []byte(in)); err != nil {
				t.Fatalf("test config does not parse: %v\n%s", err, in)
			}
			got := Mask(FormatYAML, []byte(in))
			if want := strings.ReplaceAll(in, c.secret, mask); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestMaskShapesYAMLUnparsed: the same with a broken line at the end: the
// scan and the shapes still mask every copy of the secret.
func TestMaskShapesYAMLUnparsed(t *testing.T) {
	for _, c := range shapeCases {
		t.Run(c.name, func(t *testing.T) {
			in := yamlShapeDoc(t, c.json, c.secret) + "  broken: [x\n"
			if _, err := Parse(FormatYAML, []byte(in)); err == nil {
				t.Fatalf("test config parses:\n%s", in)
			}
			got := Mask(FormatYAML, []byte(in))
			checkMasked(t, in, got, []string{"cmd: node # keep"}, []string{c.secret})
		})
	}
}

// TestMaskYAMLScan: the positional rules of the YAML scan, each checked on
// text that parses and on the same text made unparsable.
func TestMaskYAMLScan(t *testing.T) {
	cases := []struct {
		name, in string
		keep     []string
		hide     []string
	}{
		{"goose envs", "extensions:\n  github-auth:\n    cmd: npx\n    envs:\n      GITHUB_TOKEN: S60ghtok\n      REGION: eu\n    type: stdio\n",
			[]string{"github-auth:", "cmd: npx", "GITHUB_TOKEN: ***", "REGION: ***", "type: stdio"}, []string{"S60ghtok", "eu\n"}},
		{"continue list", "mcpServers:\n- name: auth-server\n  command: npx\n  env:\n    API_KEY: \"S61quoted\"\n  requestOptions:\n    headers:\n      Authorization: Bearer S61bearer\n- name: b\n  url: https://h/x\n",
			[]string{"name: auth-server", "command: npx", `API_KEY: "***"`, "Authorization: ***", "url: https://h/x"}, []string{"S61quoted", "S61bearer"}},
		{"block scalar", "extensions:\n  x:\n    envs:\n      CERT: |\n        S62line-one\n        S62line-two\n    cmd: keep-me\n",
			[]string{"CERT: |", "cmd: keep-me"}, []string{"S62line"}},
		{"folded secret key", "token: >-\n  S63fold-a\n  S63fold-b\nname: keep\n", []string{"token: ", "name: keep"}, []string{"S63fold"}},
		{"flow env", "extensions:\n  x: {cmd: npx, envs: {K: S64flow, L: 'S64single'}, args: [a, b]}\n",
			[]string{"cmd: npx", "K: ***", "args: [a, b]"}, []string{"S64flow", "S64single"}},
		{"quoted over lines", "api_key: \"S65first\n  S65second\"\nname: keep\n", []string{"name: keep"}, []string{"S65first", "S65second"}},
		{"plain over lines", "password: S66first\n  S66second\nname: keep\n", []string{"name: keep"}, []string{"S66first", "S66second"}},
		{"comments and anchors", "env: &e # S67comment stays\n  K: S67value # trailing\nother: *e\n", []string{"# trailing", "other: *e"}, []string{"S67value"}},
		{"crlf", "env:\r\n  K: S68crlf\r\nname: keep\r\n", []string{"K: ***\r\n", "name: keep\r\n"}, []string{"S68crlf"}},
		{"not under env", "extensions:\n  x:\n    cmd: S69keep\n    description: a token of thanks\n", []string{"S69keep", "a token of thanks"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkMasked(t, c.in, Mask(FormatYAML, []byte(c.in)), c.keep, c.hide)
			broken := c.in + "]: [\n"
			if _, err := Parse(FormatYAML, []byte(broken)); err == nil {
				t.Fatalf("broken text parses")
			}
			checkMasked(t, broken, Mask(FormatYAML, []byte(broken)), c.keep, c.hide)
		})
	}
}

// TestMaskYAMLPair: a secret that one version holds under envs and the
// other only in a comment is masked in both.
func TestMaskYAMLPair(t *testing.T) {
	old := "extensions:\n  a:\n    envs:\n      K: S70moved\n"
	new := "# K was S70moved\nextensions:\n  a: {}\n"
	a, b := MaskPair(FormatYAML, []byte(old), []byte(new))
	for _, s := range []string{a, b} {
		if strings.Contains(s, "S70moved") {
			t.Errorf("shows the secret:\n%s", s)
		}
	}
}
