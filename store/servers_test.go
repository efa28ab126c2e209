package store

import (
	"reflect"
	"slices"
	"testing"
)

func TestHostServers(t *testing.T) {
	cases := []struct {
		host, data string
		want       []string
	}{
		{"cursor", `{"mcpServers": {"a": {"command": "x"}, "b": {}}}`, []string{"a", "b"}},
		{"vscode", "{\n // c\n \"servers\": {\"a\": {},},\n \"inputs\": [],\n}", []string{"a"}},
		{"opencode", `{"mcp": {"fs": {"type": "local"}}}`, []string{"fs"}},
		{"claude-code", `{"mcpServers": {"a": {}}, "projects": {"/p": {"mcpServers": {"b": {}}}, "/q": {}}}`, []string{"a", "b (project /p)"}},
		{"codex", "[mcp_servers.a]\ncommand = \"x\"\n[mcp_servers.b]\ncommand = \"y\"\n", []string{"a", "b"}},
		{"mistral-vibe", "[[mcp_servers]]\nname = \"a\"\n[[mcp_servers]]\nname = \"b\"\n[[mcp_servers]]\nurl = \"u\"\n", []string{"#3", "a", "b"}},
		{"gemini", `{"theme": "dark"}`, nil},
		// The new hosts, each in the shape its documentation shows.
		{"windsurf", `{"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "t"}}, "remote": {"serverUrl": "https://h/mcp", "headers": {"Authorization": "Bearer t"}}}}`,
			[]string{"github", "remote"}},
		{"zed", "// Zed settings\n{\n  \"theme\": \"One Dark\",\n  \"context_servers\": {\n    \"hexdocs\": {\"source\": \"custom\", \"command\": \"npx\", \"args\": [\"-y\", \"hexdocs-mcp\"], \"env\": {}},\n    \"github\": {\"source\": \"extension\", \"settings\": {\"github_personal_access_token\": \"t\"}},\n  },\n  \"languages\": {\"mcpServers\": {\"not-this\": {}}},\n}",
			[]string{"github", "hexdocs"}},
		{"cline", `{"mcpServers": {"local": {"command": "node", "args": ["/s.js"], "env": {"API_KEY": "k"}, "disabled": false, "autoApprove": []}}}`, []string{"local"}},
		{"cline-cli", `{"mcpServers": {"remote": {"url": "https://h/mcp", "type": "streamableHttp"}}}`, []string{"remote"}},
		{"goose", "GOOSE_PROVIDER: anthropic\nGOOSE_MODEL: claude\nextensions:\n  developer:\n    bundled: true\n    enabled: true\n    name: developer\n    timeout: 300\n    type: builtin\n  github:\n    cmd: npx\n    args: [-y, '@modelcontextprotocol/server-github']\n    enabled: true\n    envs:\n      GITHUB_PERSONAL_ACCESS_TOKEN: t\n    env_keys: []\n    name: github\n    type: stdio\n",
			[]string{"developer", "github"}},
		{"continue", "name: Local Assistant\nversion: 1.0.0\nschema: v1\nmodels: []\nmcpServers:\n  - name: SQLite MCP\n    command: npx\n    args:\n      - \"-y\"\n      - \"mcp-sqlite\"\n  - name: Remote\n    type: streamable-http\n    url: https://h/mcp\n",
			[]string{"Remote", "SQLite MCP"}},
		{"copilot-cli", `{"mcpServers": {"playwright": {"type": "local", "command": "npx", "args": ["@playwright/mcp@latest"], "tools": ["*"]}, "gh": {"type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": {"Authorization": "Bearer t"}}}}`,
			[]string{"gh", "playwright"}},
		// amp: the literal dotted key at the top; a nested amp.mcpServers
		// is not where Amp reads its servers.
		{"amp", "{\n  // Amp settings\n  \"amp.mcpServers\": {\"playwright\": {\"command\": \"npx\", \"args\": [\"-y\", \"@playwright/mcp@latest\"]}},\n  \"amp\": {\"mcpServers\": {\"nested\": {}}},\n  \"amp.anthropic.thinking.enabled\": true,\n}",
			[]string{"playwright"}},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			h, _ := LookupHost(c.host)
			got, err := h.Servers([]byte(c.data))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for n := range got {
				names = append(names, n)
			}
			slices.Sort(names)
			if !reflect.DeepEqual(names, c.want) {
				t.Errorf("servers %v, want %v", names, c.want)
			}
		})
	}
	h, _ := LookupHost("cursor")
	for _, bad := range []string{`[1]`, `{"mcpServers": `} {
		if _, err := h.Servers([]byte(bad)); err == nil {
			t.Errorf("Servers(%q) parsed", bad)
		}
	}
}

func TestDiffServers(t *testing.T) {
	h, _ := LookupHost("cursor")
	before, _ := h.Servers([]byte(`{"mcpServers": {"same": {"a": 1, "b": 2}, "gone": {}, "edit": {"env": {"K": "1"}}}}`))
	after, _ := h.Servers([]byte(`{"mcpServers": {"same": {"b": 2, "a": 1}, "new": {}, "edit": {"env": {"K": "2"}}}}`))
	got := DiffServers(before, after)
	want := []ServerChange{{Name: "edit", Change: "changed"}, {Name: "gone", Change: "removed"}, {Name: "new", Change: "added"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if d := DiffServers(before, before); len(d) != 0 {
		t.Errorf("same config: %v", d)
	}
}

func TestSuggest(t *testing.T) {
	names := HostNames()
	for in, want := range map[string]string{"cusor": "cursor", "Cursor": "cursor", "vscod": "vscode", "claude": "", "codexx": "codex", "sublime": "", "x": "", "windsurfe": "windsurf", "clin": "cline", "cline-cl": "cline-cli", "gemni": "gemini", "lmsutdio": "lmstudio"} {
		if got := Suggest(in, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
