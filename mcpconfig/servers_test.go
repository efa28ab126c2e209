package mcpconfig

import (
	"errors"
	"reflect"
	"testing"
)

func TestServers(t *testing.T) {
	l := Layout{Format: FormatJSON, ServersKey: "mcpServers", ProjectsKey: "projects"}
	before, err := Servers(l, []byte(`{"mcpServers": {"same": {"a": 1, "b": 2}, "gone": {}, "edit": {"env": {"K": "1"}}}, "projects": {"/p": {"mcpServers": {"x": {}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	after, err := Servers(l, []byte(`{"mcpServers": {"same": {"b": 2, "a": 1}, "new": {}, "edit": {"env": {"K": "2"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []ServerChange{{"edit", "changed"}, {"gone", "removed"}, {"new", "added"}, {"x (project /p)", "removed"}}
	if got := DiffServers(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := Servers(l, []byte(`[1]`)); !errors.Is(err, ErrNotObject) {
		t.Errorf("array: %v", err)
	}
	var pe *ParseError
	if _, err := Servers(l, []byte(`{"mcpServers": `)); !errors.As(err, &pe) || pe.Line != 1 {
		t.Errorf("cut: %v", err)
	}
	if _, err := Servers(Layout{Format: "ini"}, []byte(`a = 1`)); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("ini: %v", err)
	}
	toml := Layout{Format: FormatTOML, ServersKey: "mcp_servers"}
	got, err := Servers(toml, []byte("[[mcp_servers]]\nname = \"a\"\n[[mcp_servers]]\nurl = \"u\"\n"))
	if err != nil || len(got) != 2 || got["a"] == "" || got["#2"] == "" {
		t.Errorf("toml list: %v %v", got, err)
	}
}
