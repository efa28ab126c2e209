package mcpconfig

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Layout says where a host keeps its MCP servers in its config.
type Layout struct {
	Format string // FormatJSON, FormatJSONC, FormatTOML or FormatYAML
	// ServersKey is the top-level key of the servers ("mcpServers", ...),
	// taken literally: "amp.mcpServers" is one key, not a path.
	ServersKey  string
	ProjectsKey string // claude-code's per-project entries; "" for none
}

// ServerChange is one MCP server that differs between two configs. It
// carries the server's name only, never its definition.
type ServerChange struct {
	Name   string
	Change string // "added", "removed" or "changed"
}

// Servers parses data and returns its MCP servers: each name with its
// definition in canonical JSON (for comparison only; it holds secrets and
// is never printed). Project servers are named "<name> (project <path>)".
// A syntax error is a *ParseError; a top that is not an object is
// ErrNotObject.
func Servers(l Layout, data []byte) (map[string]string, error) {
	tree, err := Parse(l.Format, data)
	if err != nil {
		return nil, err
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w (%s)", ErrNotObject, l.Format)
	}
	out := map[string]string{}
	collectServers(l.ServersKey, root, "", out)
	if l.ProjectsKey != "" {
		projects, _ := root[l.ProjectsKey].(map[string]any)
		for dir, p := range projects {
			if p, ok := p.(map[string]any); ok {
				collectServers(l.ServersKey, p, " (project "+dir+")", out)
			}
		}
	}
	return out, nil
}

// collectServers adds the servers under key of m to out, suffixing names.
func collectServers(key string, m map[string]any, suffix string, out map[string]string) {
	// Both shapes are read whatever the host's usual one: a hand-edited
	// file may use either.
	switch v := m[key].(type) {
	case map[string]any:
		for name, def := range v {
			out[name+suffix] = canonical(def)
		}
	case []any:
		for i, def := range v {
			t, _ := def.(map[string]any)
			out[listName(t, i)+suffix] = canonical(def)
		}
	case []map[string]any: // TOML arrays of tables
		for i, def := range v {
			out[listName(def, i)+suffix] = canonical(def)
		}
	}
}

// listName is the name of the i-th server of a list: its "name", or #i+1.
func listName(def map[string]any, i int) string {
	if n, ok := def["name"].(string); ok {
		return n
	}
	return fmt.Sprintf("#%d", i+1)
}

// canonical is v as JSON with sorted keys, so equal definitions compare
// equal whatever their order or layout in the file.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

// DiffServers lists the servers added, removed or changed from before to
// after, by name, sorted by name.
func DiffServers(before, after map[string]string) []ServerChange {
	var out []ServerChange
	for name, def := range before {
		switch now, ok := after[name]; {
		case !ok:
			out = append(out, ServerChange{name, "removed"})
		case now != def:
			out = append(out, ServerChange{name, "changed"})
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			out = append(out, ServerChange{name, "added"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
