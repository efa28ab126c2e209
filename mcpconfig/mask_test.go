package mcpconfig

import (
	"strings"
	"testing"
)

// checkMasked fails t when out shows any of hide, lacks any of keep, or
// has other lines than in.
func checkMasked(t *testing.T, in, out string, keep, hide []string) {
	t.Helper()
	for _, k := range keep {
		if !strings.Contains(out, k) {
			t.Errorf("lost %q:\n%s", k, out)
		}
	}
	for _, h := range hide {
		if strings.Contains(out, h) {
			t.Errorf("shows %q:\n%s", h, out)
		}
	}
	if strings.Count(out, "\n") != strings.Count(in, "\n") {
		t.Errorf("line count changed: %d -> %d", strings.Count(in, "\n"), strings.Count(out, "\n"))
	}
}

// TestMaskScan: the positional rules, from before masking moved here.
func TestMaskScan(t *testing.T) {
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
			checkMasked(t, c.in, Mask(c.format, []byte(c.in)), c.keep, c.hide)
		})
	}
}

// TestMaskChainedSecret: a secret that each mask completes again (a***
// after a run of a's) is gone after a bounded number of rounds.
func TestMaskChainedSecret(t *testing.T) {
	in := `{"env": {"K": "a***"}, "x": "` + strings.Repeat("a", 10000) + `***"}` + "\nnext line\n"
	got := Mask(FormatJSON, []byte(in))
	checkMasked(t, in, got, []string{"next line"}, []string{"a***"})
}

// TestMaskServerNames: a server or project whose name holds a secret word
// is not a secret; its env still is.
func TestMaskServerNames(t *testing.T) {
	cases := []struct{ format, in string }{
		{FormatJSON, `{"mcpServers": {"github-auth": {"command": "docker", "env": {"K": "S40value"}}, "b": {"command": "docker"}}, "projects": {"/src/keystore": {"mcpServers": {}}}}`},
		{FormatTOML, "[mcp_servers.github-auth]\ncommand = \"docker\"\n[mcp_servers.github-auth.env]\nK = \"S40value\"\n[mcp_servers]\nsession-store = { command = \"docker\" }\n"},
	}
	for _, c := range cases {
		got := Mask(c.format, []byte(c.in))
		checkMasked(t, c.in, got, []string{"github-auth", `"docker"`}, []string{"S40value"})
		if got != strings.ReplaceAll(c.in, "S40value", mask) {
			t.Errorf("%s: more than the env value masked:\n%s", c.format, got)
		}
	}
}
