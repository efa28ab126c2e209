package store

import (
	"encoding/json"
	"fmt"
	"sort"
)

// ServerChange is one MCP server that differs between two configs. It
// carries the server's name only, never its definition.
type ServerChange struct {
	Name   string
	Change string // "added", "removed" or "changed"
}

// Servers parses data in h's format and returns its MCP servers: each
// name with its definition in canonical JSON (for comparison only; it holds
// secrets and is never printed). Project servers of claude-code are named
// "<name> (project <path>)". A syntax error is a *ParseError.
func (h Host) Servers(data []byte) (map[string]string, error) {
	tree, err := ParseConfig(h.Format, data)
	if err != nil {
		return nil, err
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: a %s config must be an object at the top", ErrInvalid, h.Format)
	}
	out := map[string]string{}
	h.collect(root, "", out)
	if h.ProjectsKey != "" {
		projects, _ := root[h.ProjectsKey].(map[string]any)
		for dir, p := range projects {
			if p, ok := p.(map[string]any); ok {
				h.collect(p, " (project "+dir+")", out)
			}
		}
	}
	return out, nil
}

// collect adds the servers under ServersKey of m to out, suffixing names.
func (h Host) collect(m map[string]any, suffix string, out map[string]string) {
	// Both shapes are read whatever ServersList says: a hand-edited file
	// may use either.
	switch v := m[h.ServersKey].(type) {
	case map[string]any:
		for name, def := range v {
			out[name+suffix] = canonical(def)
		}
	case []any:
		for i, def := range v {
			name := fmt.Sprintf("#%d", i+1)
			if t, ok := def.(map[string]any); ok {
				if n, ok := t["name"].(string); ok {
					name = n
				}
			}
			out[name+suffix] = canonical(def)
		}
	case []map[string]any: // TOML arrays of tables
		for i, def := range v {
			name := fmt.Sprintf("#%d", i+1)
			if n, ok := def["name"].(string); ok {
				name = n
			}
			out[name+suffix] = canonical(def)
		}
	}
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
// after, by name.
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
