package main

import (
	"strings"
	"testing"
)

func TestMaskSecrets(t *testing.T) {
	const s = "sk-test-SECRET-0123456789"
	cases := []struct {
		name, format, in string
		keep             []string // structure that must stay
		hide             []string // values that must go
	}{
		{"json env inline", "json", `{"mcpServers": {"a": {"command": "npx", "env": {"API_KEY": "` + s + `", "PLAIN": "hello"}}}}`,
			[]string{`"mcpServers"`, `"command": "npx"`, `"API_KEY": "***"`, `"PLAIN": "***"`}, []string{s, "hello"}},
		{"json headers multiline", "json", "{\n \"s\": {\n  \"url\": \"https://x\",\n  \"headers\": {\n   \"X-Team\": \"blue\",\n   \"Authorization\": \"Basic Zm9v\"\n  }\n }\n}\n",
			[]string{`"url": "https://x"`, `"X-Team": "***"`, `"Authorization": "***"`}, []string{"blue", "Zm9v"}},
		{"json secret names", "json", `{"apiKey": "a1", "token": "t1", "password": "p1", "clientSecret": "c1", "auth": {"user": "u1"}, "name": "keep"}`,
			[]string{`"name": "keep"`, `"apiKey": "***"`, `"user": "***"`}, []string{"a1", "t1", "p1", "c1", "u1"}},
		{"json key shapes anywhere", "json", `{"args": ["--key", "ghp_abcdefghijklmnopqrstuvwx", "` + s + `"], "url": "https://h/?k=AKIAABCDEFGHIJKLMNOP"}`,
			[]string{`"--key"`, `"args"`}, []string{"ghp_", s, "AKIAABCDEFGHIJKLMNOP"}},
		{"jsonc comments", "jsonc", "{\n // old key " + s + "\n \"servers\": {\"a\": {\"env\": {\"K\": \"v1\",},},},\n}\n",
			[]string{"// old key ***", `"K": "***"`}, []string{s, "v1"}},
		{"json broken", "json", `{"env": {"K": "v1"`, []string{`"K": "***"`}, []string{"v1"}},
		{"json unterminated string", "json", "{\"token\": \"abc\n, \"x\": 1}", []string{`"x": 1`}, []string{"abc"}},
		{"json bearer", "json", `{"args": ["--header", "Authorization: Bearer abcdefghijkl"]}`, []string{"Authorization: ***"}, []string{"abcdefghijkl"}},
		{"toml env table", "toml", "[mcp_servers.a]\ncommand = \"npx\"\n[mcp_servers.a.env]\nK = \"v1\"\nL = 'v2'\n[mcp_servers.b]\nurl = \"u\"\n",
			[]string{`command = "npx"`, `K = "***"`, `L = "***"`, `url = "u"`, "[mcp_servers.a.env]"}, []string{"v1", "v2"}},
		{"toml inline env", "toml", "[mcp_servers.a]\nenv = { K = \"v1\" }\nserver = { command = \"keep\", env = { L = \"v2\" }, token = \"v3\" }\n",
			[]string{`command = "keep"`, `K = "***"`, `L = "***"`, `token = "***"`}, []string{"v1", "v2", "v3"}},
		{"toml secret keys", "toml", "bearer_token = \"v1\"\n\"api-key\" = \"v2\"\nhttp_headers.X = \"v3\"\nname = \"keep\" # " + s + "\n",
			[]string{`name = "keep"`}, []string{"v1", "v2", "v3", s}},
		{"toml array of tables", "toml", "[[mcp_servers]]\nname = \"a\"\n[mcp_servers.env]\nK = \"v1\"\n", []string{`name = "a"`}, []string{"v1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := maskSecrets(c.format, []byte(c.in))
			for _, k := range c.keep {
				if !strings.Contains(got, k) {
					t.Errorf("lost %q:\n%s", k, got)
				}
			}
			for _, h := range c.hide {
				if strings.Contains(got, h) {
					t.Errorf("shows %q:\n%s", h, got)
				}
			}
			if strings.Count(got, "\n") != strings.Count(c.in, "\n") {
				t.Errorf("line count changed: %d -> %d", strings.Count(c.in, "\n"), strings.Count(got, "\n"))
			}
		})
	}
}

func TestMaskedDiff(t *testing.T) {
	const s = "sk-test-SECRET-0123456789"
	old := "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"npx\", \"env\": {\"K\": \"" + s + "\"}}\n  }\n}\n"
	cases := map[string]struct {
		new  string
		want []string
	}{
		"secret changed":   {strings.Replace(old, s, s+"X", 1), []string{`-    "a": {"command": "npx", "env": {"K": "***"}}`, `+    "a": {"command": "npx", "env": {"K": "***"}}`}},
		"server added":     {strings.Replace(old, "  }\n}", "  , \"b\": {\"url\": \"u\"}\n  }\n}", 1), []string{`+  , "b": {"url": "u"}`, "--- from", "+++ to"}},
		"no final newline": {strings.TrimSuffix(old, "\n"), []string{`\ No newline at end of file`}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := maskedDiff("json", "from", "to", []byte(old), []byte(c.new))
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

func FuzzMaskSecrets(f *testing.F) {
	f.Add("json", `{"env": {"K": "v"}}`)
	f.Add("toml", "a = { env = { K = \"v\" } }\n[x.env]\nK = 'v'")
	f.Fuzz(func(t *testing.T, format, in string) {
		out := maskSecrets(format, []byte(in))
		if strings.Count(out, "\n") != strings.Count(in, "\n") {
			t.Fatalf("line count changed")
		}
	})
}
