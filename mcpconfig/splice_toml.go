package mcpconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/BurntSushi/toml"
)

// tomlSection is one table of a TOML document as text: its header line
// through its last line of content. Blank lines and comments after that
// belong to no section (they usually introduce the next one) and stay
// where they are.
type tomlSection struct {
	start, end int      // byte offsets: the header line, past the last content line
	key        []string // the header's dotted key; nil for the top-level table
	array      bool     // [[key]]
}

// serverBlock is the text of one server in a TOML document: a
// [<key>.<name>] table and its subtables, or a [[<key>]] entry and its
// subtables.
type serverBlock struct {
	name       string
	start, end int
}

// spliceTOML puts each server of names from bak into cur as whole tables
// of text: a server cur has is replaced in place, a new one goes after
// cur's last server (or at the end). BurntSushi/toml then checks the
// result (checkSplice).
func spliceTOML(l Layout, cur, bak []byte, names []string) ([]byte, error) {
	nl := newline(cur)
	bBlocks, err := tomlServerBlocks(l.ServersKey, bak)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, name := range names {
		bb, ok := findBlock(bBlocks, name)
		if !ok {
			return nil, fmt.Errorf("server %q: %w: in the backup it is not a [%s.<name>] table or [[%s]] entry", name, ErrSpliceUnsupported, l.ServersKey, l.ServersKey)
		}
		text := withNewlines(bak[bb.start:bb.end], nl)
		if !bytes.HasSuffix(text, []byte("\n")) {
			text = append(text, nl...)
		}
		cBlocks, err := tomlServerBlocks(l.ServersKey, cur)
		if err != nil {
			return nil, fmt.Errorf("current config: %w", err)
		}
		if cb, ok := findBlock(cBlocks, name); ok {
			cur = splice(cur, cb.start, cb.end, text)
			continue
		}
		cur = appendBlock(cur, cBlocks, text, nl)
	}
	return cur, nil
}

// appendBlock inserts text after the last server block, or at the end of
// data, with a blank line before it.
func appendBlock(data []byte, blocks []serverBlock, text []byte, nl string) []byte {
	at := len(data)
	if len(blocks) > 0 {
		at = blocks[len(blocks)-1].end
	}
	var pre string
	if at > 0 && data[at-1] != '\n' {
		pre = nl
	}
	if at > 0 {
		pre += nl
	}
	return splice(data, at, at, append([]byte(pre), text...))
}

func findBlock(blocks []serverBlock, name string) (serverBlock, bool) {
	found, n := serverBlock{}, 0
	for _, b := range blocks {
		if b.name == name {
			found, n = b, n+1
		}
	}
	return found, n == 1
}

// tomlServerBlocks finds the server blocks under key in data. A server
// whose tables are not together (another table between them) is not
// returned: it cannot be cut out as one piece.
func tomlServerBlocks(key string, data []byte) ([]serverBlock, error) {
	secs, err := tomlSections(data)
	if err != nil {
		return nil, err
	}
	var blocks []serverBlock
	split := map[string]bool{}
	for i := 0; i < len(secs); i++ {
		s := secs[i]
		if len(s.key) == 0 || s.key[0] != key {
			continue
		}
		switch {
		case s.array && len(s.key) == 1: // [[key]] and its subtables
			j := i
			for j+1 < len(secs) && isSub(secs[j+1], key) {
				j++
			}
			b := serverBlock{start: s.start, end: secs[j].end}
			b.name = entryName(key, data[b.start:b.end])
			if b.name != "" {
				blocks = append(blocks, b)
			}
			i = j
		case len(s.key) >= 2: // [key.name] and [key.name.*]
			name := s.key[1]
			j := i
			for j+1 < len(secs) && len(secs[j+1].key) >= 2 && secs[j+1].key[0] == key && secs[j+1].key[1] == name {
				j++
			}
			for _, b := range blocks {
				if b.name == name {
					split[name] = true
				}
			}
			blocks = append(blocks, serverBlock{name: name, start: s.start, end: secs[j].end})
			i = j
		}
	}
	out := blocks[:0]
	for _, b := range blocks {
		if !split[b.name] {
			out = append(out, b)
		}
	}
	return out, nil
}

// isSub: s is a subtable of the current [[key]] entry.
func isSub(s tomlSection, key string) bool {
	return len(s.key) >= 2 && s.key[0] == key
}

// entryName is the "name" of a [[key]] entry, read by parsing its text
// alone ("" when it has none).
func entryName(key string, text []byte) string {
	var tree map[string]any
	if _, err := toml.Decode(string(text), &tree); err != nil {
		return ""
	}
	list, _ := tree[key].([]map[string]any)
	if len(list) != 1 {
		return ""
	}
	name, _ := list[0]["name"].(string)
	return name
}

// tomlSections splits data into its tables, line by line, skipping what
// looks like a header inside a multi-line string or array.
func tomlSections(data []byte) ([]tomlSection, error) {
	secs := []tomlSection{{}}
	var sc tomlScanner
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1
		}
		line := data[off:end]
		trimmed := bytes.TrimLeft(line, " \t")
		switch {
		case sc.quiet() && len(trimmed) > 0 && trimmed[0] == '[':
			key, array, err := parseHeader(trimmed)
			if err != nil {
				return nil, err
			}
			secs[len(secs)-1].end = max(secs[len(secs)-1].end, secs[len(secs)-1].start)
			secs = append(secs, tomlSection{start: off, end: end, key: key, array: array})
		default:
			wasQuiet := sc.quiet()
			sc.scan(line)
			if !wasQuiet || sc.content {
				secs[len(secs)-1].end = end
			}
		}
		off = end
	}
	return secs, nil
}

// tomlScanner follows strings and brackets across lines.
type tomlScanner struct {
	depth   int    // open [ and { of a value
	inMulti string // `"""` or `'''` while inside a multi-line string
	content bool   // the last line scanned held something but a comment
}

func (sc *tomlScanner) quiet() bool { return sc.depth == 0 && sc.inMulti == "" }

func (sc *tomlScanner) scan(line []byte) {
	sc.content = false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if sc.inMulti != "" {
			sc.content = true
			if c == '\\' && sc.inMulti == `"""` {
				i++
				continue
			}
			if bytes.HasPrefix(line[i:], []byte(sc.inMulti)) {
				i += 2
				sc.inMulti = ""
			}
			continue
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '#':
			return
		}
		sc.content = true
		switch c {
		case '"', '\'':
			q := string([]byte{c, c, c})
			if bytes.HasPrefix(line[i:], []byte(q)) {
				sc.inMulti = q
				i += 2
				continue
			}
			i = skipString(line, i)
		case '[', '{':
			sc.depth++
		case ']', '}':
			sc.depth = max(sc.depth-1, 0)
		}
	}
}

// skipString returns the index of the quote closing the string opened at
// i (or the line's end).
func skipString(line []byte, i int) int {
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		switch {
		case line[j] == '\\' && q == '"':
			j++
		case line[j] == q:
			return j
		}
	}
	return len(line)
}

// parseHeader reads "[a.b]" or "[[a.b]]" (then maybe a comment).
func parseHeader(line []byte) (key []string, array bool, err error) {
	s := strings.TrimRight(string(line), " \t\r\n")
	bad := fmt.Errorf("%w: a table header that cannot be read", ErrSpliceUnsupported)
	array = strings.HasPrefix(s, "[[")
	s = s[1:]
	if array {
		s = s[1:]
	}
	for {
		s = strings.TrimLeft(s, " \t")
		part, rest, ok := keyPart(s)
		if !ok {
			return nil, false, bad
		}
		key = append(key, part)
		s = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(s, ".") {
			s = s[1:]
			continue
		}
		break
	}
	closer := "]"
	if array {
		closer = "]]"
	}
	if !strings.HasPrefix(s, closer) {
		return nil, false, bad
	}
	if s = strings.TrimLeft(s[len(closer):], " \t"); s != "" && s[0] != '#' {
		return nil, false, bad
	}
	return key, array, nil
}

// keyPart reads one part of a dotted key: bare, "basic" or 'literal'.
func keyPart(s string) (part, rest string, ok bool) {
	switch {
	case strings.HasPrefix(s, `"`):
		for j := 1; j < len(s); j++ {
			if s[j] == '\\' {
				j++
				continue
			}
			if s[j] == '"' {
				var v string
				if json.Unmarshal([]byte(s[:j+1]), &v) != nil {
					return "", "", false
				}
				return v, s[j+1:], true
			}
		}
		return "", "", false
	case strings.HasPrefix(s, "'"):
		j := strings.IndexByte(s[1:], '\'')
		if j < 0 {
			return "", "", false
		}
		return s[1 : j+1], s[j+2:], true
	}
	j := 0
	for j < len(s) && (s[j] == '_' || s[j] == '-' || s[j] >= '0' && s[j] <= '9' || s[j]|0x20 >= 'a' && s[j]|0x20 <= 'z') {
		j++
	}
	return s[:j], s[j:], j > 0
}
