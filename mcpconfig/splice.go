package mcpconfig

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sort"
)

var (
	// ErrSpliceUnsupported is returned by SpliceServers for a config it
	// cannot change without touching other bytes: a format it has no
	// splicer for (YAML), servers written in a shape it does not edit, or
	// a result that would not be the current config plus the servers.
	ErrSpliceUnsupported = errors.New("cannot put servers back into this config")
	// ErrNoServer: a server (or a project) that is not where it was asked
	// for.
	ErrNoServer = errors.New("no such server")
)

// bom is the UTF-8 byte order mark some Windows editors write.
var bom = []byte("\xef\xbb\xbf")

// ScopeServers parses data and returns the MCP servers of one scope: the
// user-scope ones when project is "", else those of project's entry under
// ProjectsKey (claude-code). Names carry no suffix; a definition is
// canonical JSON (secret, never printed). A byte order mark is skipped.
// A project that the config has no entry for has no servers.
func ScopeServers(l Layout, project string, data []byte) (map[string]string, error) {
	scope, err := parseScope(l, project, bytes.TrimPrefix(data, bom))
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	if scope != nil {
		collectServers(l.ServersKey, scope, "", out)
	}
	return out, nil
}

// parseScope parses data and returns the object that holds the servers
// key of the scope (nil for a project with no entry).
func parseScope(l Layout, project string, data []byte) (map[string]any, error) {
	tree, err := Parse(l.Format, data)
	if err != nil {
		return nil, err
	}
	root, ok := tree.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w (%s)", ErrNotObject, l.Format)
	}
	return scopeOf(l, project, root)
}

func scopeOf(l Layout, project string, root map[string]any) (map[string]any, error) {
	if project == "" {
		return root, nil
	}
	if l.ProjectsKey == "" {
		return nil, fmt.Errorf("%w: this host keeps no per-project servers", ErrSpliceUnsupported)
	}
	projects, _ := root[l.ProjectsKey].(map[string]any)
	p, ok := projects[project]
	if !ok {
		return nil, nil
	}
	m, ok := p.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("project %q: %w: its entry is not an object", project, ErrSpliceUnsupported)
	}
	return m, nil
}

// SpliceSupported reports whether SpliceServers can edit configs of
// format.
func SpliceSupported(format string) bool {
	switch format {
	case FormatJSON, FormatJSONC, FormatTOML:
		return true
	}
	return false
}

// SpliceServers returns current with the servers names of backup put
// into it: a server current lacks is added, one it has is replaced by the
// backup's definition. Every other byte of current stays as it is: JSON
// and JSONC keep comments, key order, trailing commas, tabs, CRLF line
// ends and a byte order mark; TOML keeps every other table and comment
// as written (a server is a whole [<key>.<name>] table with its
// subtables, or a whole [[<key>]] entry). With project set, the servers
// are those of projects[project] (claude-code); current must have that
// project's entry.
//
// The result is checked before it is returned: it parses in the format,
// its servers in the scope are current's with names taken from backup,
// and everything else parses to the same values as current. Anything
// else is ErrSpliceUnsupported and no result. A current config that does
// not parse is a *ParseError (wrapped, "current config"); a name that
// backup lacks is ErrNoServer.
func SpliceServers(l Layout, project string, current, backup []byte, names []string) ([]byte, error) {
	if !SpliceSupported(l.Format) {
		return nil, fmt.Errorf("%w: %s configs", ErrSpliceUnsupported, l.Format)
	}
	hadBOM := bytes.HasPrefix(current, bom)
	cur, bak := bytes.TrimPrefix(current, bom), bytes.TrimPrefix(backup, bom)
	curScope, err := parseScope(l, project, cur)
	if err != nil {
		return nil, fmt.Errorf("current config: %w", err)
	}
	if project != "" && curScope == nil {
		return nil, fmt.Errorf("project %q: %w: the current config has no entry for it", project, ErrNoServer)
	}
	bakServers, err := ScopeServers(l, project, bak)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	names = sortedUnique(names)
	for _, n := range names {
		if _, ok := bakServers[n]; !ok {
			return nil, fmt.Errorf("server %q: %w in the backup", n, ErrNoServer)
		}
	}
	var out []byte
	switch l.Format {
	case FormatJSON, FormatJSONC:
		out, err = spliceJSON(l, project, cur, bak, names)
	case FormatTOML:
		if project != "" {
			return nil, fmt.Errorf("%w: per-project servers are JSON only", ErrSpliceUnsupported)
		}
		out, err = spliceTOML(l, cur, bak, names)
	default:
		// A new format gets its own splicer here (YAML: through the
		// YAML library's node tree, which keeps comments and order).
		return nil, fmt.Errorf("format %q: %w: not supported for this format yet; restore the whole file instead", l.Format, ErrSpliceUnsupported)
	}
	if err != nil {
		return nil, err
	}
	if err := checkSplice(l, project, cur, bak, out, names); err != nil {
		return nil, err
	}
	if hadBOM {
		out = append(bytes.Clone(bom), out...)
	}
	return out, nil
}

// checkSplice proves out is cur with names taken from bak: the servers of
// the scope match, and the rest of the document parses to equal values.
func checkSplice(l Layout, project string, cur, bak, out []byte, names []string) error {
	fail := func(what string) error {
		return fmt.Errorf("%w: the result %s", ErrSpliceUnsupported, what)
	}
	want, _ := ScopeServers(l, project, cur)
	bakServers, _ := ScopeServers(l, project, bak)
	for _, n := range names {
		want[n] = bakServers[n]
	}
	got, err := ScopeServers(l, project, out)
	if err != nil {
		return fail("does not parse")
	}
	if !reflect.DeepEqual(got, want) {
		return fail("would not hold exactly the chosen servers")
	}
	if rest(l, project, cur) != rest(l, project, out) {
		return fail("would change more than the servers")
	}
	return nil
}

// rest is the document without the scope's servers, canonical.
func rest(l Layout, project string, data []byte) string {
	tree, err := Parse(l.Format, data)
	if err != nil {
		return ""
	}
	root, _ := tree.(map[string]any)
	scope, _ := scopeOf(l, project, root)
	if scope != nil {
		delete(scope, l.ServersKey)
	}
	return canonical(tree)
}

func sortedUnique(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// newline is the line end data uses: CRLF when its first line ends so.
func newline(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// withNewlines rewrites text's line ends as nl.
func withNewlines(text []byte, nl string) []byte {
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	if nl == "\n" {
		return text
	}
	return bytes.ReplaceAll(text, []byte("\n"), []byte(nl))
}

// lineIndent is the white space that starts the line holding offset off.
func lineIndent(data []byte, off int) string {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	end := start
	for end < len(data) && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

// reindent moves text's lines after the first from indent from to to.
func reindent(text []byte, from, to string) []byte {
	if from == to {
		return text
	}
	lines := bytes.Split(text, []byte("\n"))
	for i := 1; i < len(lines); i++ {
		if rest, ok := bytes.CutPrefix(lines[i], []byte(from)); ok {
			lines[i] = append([]byte(to), rest...)
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

// splice returns data with data[from:to] replaced by text.
func splice(data []byte, from, to int, text []byte) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(text))
	out = append(out, data[:from]...)
	out = append(out, text...)
	return append(out, data[to:]...)
}
