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
	for in, want := range map[string]string{"cusor": "cursor", "Cursor": "cursor", "vscod": "vscode", "claude": "", "codexx": "codex", "windsurf": "", "x": "", "gemni": "gemini", "lmsutdio": "lmstudio"} {
		if got := Suggest(in, names); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
