package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestMaskedDiff(t *testing.T) {
	const s = "sk-test-SECRET-0123456789"
	old := "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"npx\", \"env\": {\"K\": \"" + s + "\"}}\n  }\n}\n"
	cases := map[string]struct {
		new  string
		want []string
	}{
		"secret changed":            {strings.Replace(old, s, s+"X", 1), []string{`-    "a": {"command": "npx", "env": {"K": "***"}}`, `+    "a": {"command": "npx", "env": {"K": "***"}}`}},
		"server added":              {strings.Replace(old, "  }\n}", "  , \"b\": {\"url\": \"u\"}\n  }\n}", 1), []string{`+  , "b": {"url": "u"}`, "--- from", "+++ to"}},
		"no final newline":          {strings.TrimSuffix(old, "\n"), []string{`\ No newline at end of file`}},
		"secret moved to a comment": {strings.Replace(old, `"K": "`+s+`"`, `"K": "new"}} /* `+s+` */ {{`, 1), []string{`-    "a"`, `+    "a"`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := maskedDiff("jsonc", "from", "to", []byte(old), []byte(c.new))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "SECRET") {
				t.Errorf("diff shows the secret:\n%s", out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("diff lacks %q:\n%s", w, out)
				}
			}
		})
	}
	if out, _ := maskedDiff("json", "a", "b", []byte(old), []byte(old)); out != "" {
		t.Errorf("same input: %q", out)
	}
}

// TestDiff: Store.Diff hands a Go caller masked text only, and its server
// summary.
func TestDiff(t *testing.T) {
	f := newFixture(t)
	const secret = "S30-pg-password"
	cfg := f.config("mcp.json", []byte(`{"mcpServers": {"db": {"args": ["postgresql://admin:`+secret+`@db/app"]}}}`+"\n"))
	f.create("cursor", cfg)
	diff := func(o DiffOptions) (DiffResult, error) {
		t.Helper()
		s := f.open(func(o *Options) { o.UpgradingReader = true })
		defer s.Close()
		o.Host = "cursor"
		return s.Diff(context.Background(), o)
	}
	f.config("mcp.json", []byte(`{"mcpServers": {"db": {"args": ["postgresql://admin:`+secret+`@db2/app"]}}, "theme": 1}`+"\n"))
	r, err := diff(DiffOptions{Servers: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Differs || r.Target != cfg || !strings.Contains(r.Text, "db2/app") || strings.Contains(r.Text, secret) {
		t.Errorf("result %+v", r)
	}
	if len(r.Servers) != 1 || r.Servers[0] != (ServerChange{Name: "db", Change: "changed"}) {
		t.Errorf("servers %v", r.Servers)
	}
	f.config("mcp.json", []byte(`{"mcpServers": {"db": {"args": ["postgresql://admin:`+secret+`@db/app"]}}, "theme": 1}`+"\n"))
	if r, err = diff(DiffOptions{Servers: true}); err != nil || !r.Differs || r.Servers == nil || len(r.Servers) != 0 {
		t.Errorf("only non-server bytes differ: %+v, %v", r, err)
	}
	f.config("mcp.json", []byte("{not json "+secret))
	if _, err := diff(DiffOptions{Servers: true}); !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), secret) {
		t.Errorf("unparsable side: %v", err)
	}
	r, err = diff(DiffOptions{})
	if err != nil || r.Servers != nil || !r.Differs || strings.Contains(r.Text, secret) {
		t.Errorf("without servers: %+v, %v", r, err)
	}
}

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
