package mcpconfig

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/tailscale/hujson"
)

// spliceJSON puts each server of names from bak into cur, one at a time,
// editing cur's bytes at the offsets hujson reports: nothing is
// re-encoded, so comments, order, commas and white space stay.
func spliceJSON(l Layout, project string, cur, bak []byte, names []string) ([]byte, error) {
	nl := newline(cur)
	b, err := parseHu(bak)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	bServers, err := serversValue(l, project, &b)
	if err != nil || bServers == nil {
		return nil, fmt.Errorf("backup: %w: no %s object", ErrSpliceUnsupported, l.ServersKey)
	}
	for _, name := range names {
		bm := member(bServers, name)
		if bm == nil {
			return nil, fmt.Errorf("server %q: %w in the backup", name, ErrNoServer)
		}
		val := withNewlines(bak[bm.Value.StartOffset:bm.Value.EndOffset], "\n")
		from := lineIndent(bak, bm.Name.StartOffset)
		if cur, err = putMember(l, project, cur, name, val, from, nl); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// putMember sets servers[name] in cur to val (LF line ends, its lines
// after the first indented for a member at indent from).
func putMember(l Layout, project string, cur []byte, name string, val []byte, from, nl string) ([]byte, error) {
	c, err := parseHu(cur)
	if err != nil {
		return nil, fmt.Errorf("current config: %w", err)
	}
	servers, err := serversValue(l, project, &c)
	if err != nil {
		return nil, err
	}
	if servers == nil {
		scope, err := scopeValue(l, project, &c)
		if err != nil {
			return nil, err
		}
		// Add an empty servers object first, then fill it as any other.
		cur = insertMember(cur, scope, l.ServersKey, []byte("{}"), "", nl)
		return putMember(l, project, cur, name, val, from, nl)
	}
	if m := member(servers, name); m != nil {
		to := lineIndent(cur, m.Name.StartOffset)
		text := withNewlines(reindent(val, from, to), nl)
		return splice(cur, m.Value.StartOffset, m.Value.EndOffset, text), nil
	}
	return insertMember(cur, servers, name, val, from, nl), nil
}

// parseHu parses JSON or JSONC. hujson wants a line comment to end in a
// newline; one is added past the end, where no offset points.
func parseHu(data []byte) (hujson.Value, error) {
	v, err := hujson.Parse(append(bytes.Clone(data), '\n'))
	if err != nil {
		return v, &ParseError{Format: FormatJSONC}
	}
	if _, ok := v.Value.(*hujson.Object); !ok {
		return v, ErrNotObject
	}
	return v, nil
}

// scopeValue is the object that holds the scope's servers key.
func scopeValue(l Layout, project string, root *hujson.Value) (*hujson.Value, error) {
	if project == "" {
		return root, nil
	}
	projects := member(root, l.ProjectsKey)
	if projects == nil {
		return nil, fmt.Errorf("project %q: %w", project, ErrNoServer)
	}
	p := member(&projects.Value, project)
	if p == nil {
		return nil, fmt.Errorf("project %q: %w", project, ErrNoServer)
	}
	if _, ok := p.Value.Value.(*hujson.Object); !ok {
		return nil, fmt.Errorf("project %q: %w: its entry is not an object", project, ErrSpliceUnsupported)
	}
	return &p.Value, nil
}

// serversValue is the scope's servers object; nil when the scope has no
// servers key. A servers value that is not an object is refused.
func serversValue(l Layout, project string, root *hujson.Value) (*hujson.Value, error) {
	scope, err := scopeValue(l, project, root)
	if err != nil {
		return nil, err
	}
	m := member(scope, l.ServersKey)
	if m == nil {
		return nil, nil
	}
	if _, ok := m.Value.Value.(*hujson.Object); !ok {
		return nil, fmt.Errorf("%w: %s is not an object", ErrSpliceUnsupported, l.ServersKey)
	}
	return &m.Value, nil
}

// member is obj's last member called name (the one a JSON reader keeps),
// or nil; nil too when obj is not an object.
func member(obj *hujson.Value, name string) *hujson.ObjectMember {
	o, ok := obj.Value.(*hujson.Object)
	if !ok {
		return nil
	}
	for i := len(o.Members) - 1; i >= 0; i-- {
		if lit, ok := o.Members[i].Name.Value.(hujson.Literal); ok && lit.String() == name {
			return &o.Members[i]
		}
	}
	return nil
}

// insertMember adds "name": val as obj's last member, laid out as its
// other members are (on its own line at their indent, or on theirs).
func insertMember(cur []byte, obj *hujson.Value, name string, val []byte, from, nl string) []byte {
	o := obj.Value.(*hujson.Object)
	key, _ := json.Marshal(name)
	if len(o.Members) == 0 {
		open, end := obj.StartOffset, obj.EndOffset-1
		outer := lineIndent(cur, open)
		inner := outer + indentUnit(cur)
		text := string(key) + ": " + string(withNewlines(reindent(val, from, inner), nl))
		if len(bytes.TrimSpace(o.AfterExtra)) == 0 {
			return splice(cur, open+1, end, []byte(nl+inner+text+nl+outer))
		}
		// Keep the comments of an empty object after the new member.
		return splice(cur, open+1, open+1, []byte(nl+inner+text))
	}
	first := o.Members[0].Name
	sep, indent := " ", ""
	if bytes.ContainsRune(first.BeforeExtra, '\n') {
		indent = lineIndent(cur, first.StartOffset)
		sep = nl + indent
	}
	text := string(key) + ": " + string(withNewlines(reindent(val, from, indent), nl))
	last := o.Members[len(o.Members)-1].Value
	// A comment on the last member's line stays on that line.
	stay := 0
	if indent != "" {
		stay = sameLine(o.AfterExtra)
	}
	if last.AfterExtra != nil { // a trailing comma: keep one after ours
		at := last.EndOffset + len(last.AfterExtra) + 1 + stay
		return splice(cur, at, at, []byte(sep+text+","))
	}
	cur = splice(cur, last.EndOffset, last.EndOffset, []byte(","))
	at := last.EndOffset + 1 + stay
	return splice(cur, at, at, []byte(sep+text))
}

// sameLine is how many bytes of extra stay on the line it starts on: up
// to its first line end, unless a block comment starts there.
func sameLine(extra []byte) int {
	i := bytes.IndexByte(extra, '\n')
	if i < 0 || bytes.Contains(extra[:i], []byte("/*")) {
		return 0
	}
	if i > 0 && extra[i-1] == '\r' {
		i--
	}
	return i
}

// indentUnit is one level of indentation as data writes it: the white
// space of its first indented line, or two spaces.
func indentUnit(data []byte) string {
	for _, line := range bytes.Split(data, []byte("\n")) {
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n > 0 && n < len(line) && line[n] != '\r' {
			return string(line[:n])
		}
	}
	return "  "
}
