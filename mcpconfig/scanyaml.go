package mcpconfig

import (
	"encoding/json"
	"strings"
)

// maskYAML is the tolerant scan for YAML: it masks values by their
// position line by line, from indentation alone, so it works on text that
// does not parse. The rules are those of maskJSON: every value under env,
// envs, environment or headers, the value of a key named like a secret,
// the lines of a block scalar (| or >) or of a quoted or plain scalar
// continued over lines in such a position, and the same inside flow
// collections ({a: b}, [a, b]) on one line.
func maskYAML(s string, found secretSet) string {
	y := &yamlScan{found: found}
	lines := strings.SplitAfter(s, "\n")
	for i, line := range lines {
		lines[i] = y.line(line)
	}
	return strings.Join(lines, "")
}

// yamlFrame is one open mapping value or sequence item of maskYAML.
type yamlFrame struct {
	indent int  // the column of its key, or of its dash
	item   bool // a sequence item ("- ")
	secret bool // every value inside is a secret
	names  bool // its keys are names of servers
}

type yamlScan struct {
	found secretSet
	stack []yamlFrame
	// cont: lines indented past contIndent continue the last value (a
	// block scalar, or a plain scalar over lines); masked when contSecret.
	cont        bool
	contIndent  int
	contSecret  bool
	quote       byte // the quote of a quoted scalar left open, if any
	quoteSecret bool
	// The previous scalar item of the list being read, for arguments
	// that hold a secret by position: "-e", "NAME=X" and "--token", "X".
	prevArg   string
	argIndent int
	hasArg    bool
}

// listArg reads a scalar sequence item as a command argument, with the
// item before it in the same list.
func (y *yamlScan) listArg(rest string) {
	t := y.top()
	if !t.item || strings.ContainsRune("{[|>", rune(rest[0])) {
		y.hasArg = false
		return
	}
	arg := yamlScalarText(rest)
	if y.hasArg && y.argIndent == t.indent {
		y.found.collectArg(y.prevArg, arg)
	}
	y.prevArg, y.argIndent, y.hasArg = arg, t.indent, true
}

// yamlScalarText is the text of the scalar that starts v, unquoted.
func yamlScalarText(v string) string {
	if v[0] == '"' || v[0] == '\'' {
		lit := v[:stringEnd(v, 0, v[0])]
		var s string
		if v[0] == '"' && json.Unmarshal([]byte(lit), &s) == nil {
			return s
		}
		return unquote(lit)
	}
	val, _ := yamlPlain(v)
	return val
}

func (y *yamlScan) top() yamlFrame {
	if len(y.stack) == 0 {
		return yamlFrame{indent: -1}
	}
	return y.stack[len(y.stack)-1]
}

// pop closes the frames that a line starting at col ends: those indented
// deeper, and one at the same column unless the line is a sequence item
// of a list written at its key's column ("key:\n- a").
func (y *yamlScan) pop(col int, dash bool) {
	for len(y.stack) > 0 {
		t := y.top()
		if t.indent < col || t.indent == col && dash && !t.item {
			return
		}
		y.stack = y.stack[:len(y.stack)-1]
	}
}

func (y *yamlScan) line(line string) string {
	body, eol := splitEOL(line)
	if y.quote != 0 {
		return y.quoted(body) + eol
	}
	indent := len(body) - len(strings.TrimLeft(body, " "))
	rest := body[indent:]
	if strings.TrimSpace(rest) == "" {
		return line
	}
	if y.cont {
		if indent > y.contIndent {
			if y.contSecret {
				y.found.add(strings.TrimSpace(rest))
				return body[:indent] + mask + eol
			}
			return line
		}
		y.cont = false
	}
	if strings.HasPrefix(rest, "#") {
		return line
	}
	if indent == 0 && (strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...") || strings.HasPrefix(rest, "%")) {
		y.stack = nil
		return line
	}
	col := indent
	for rest == "-" || strings.HasPrefix(rest, "- ") || strings.HasPrefix(rest, "-\t") {
		y.pop(col, true)
		y.stack = append(y.stack, yamlFrame{indent: col, item: true, secret: y.top().secret})
		n := 1 + len(rest[1:]) - len(strings.TrimLeft(rest[1:], " \t"))
		col, rest = col+n, rest[n:]
	}
	if rest == "" {
		return line
	}
	return body[:len(body)-len(rest)] + y.content(col, rest) + eol
}

// content masks what follows the indentation and dashes of a line: a
// key and its value, or a value alone (a sequence item).
func (y *yamlScan) content(col int, rest string) string {
	key, value, ok := yamlKey(rest)
	if !ok {
		y.listArg(rest)
		return y.value(col, rest, y.top().secret, y.top())
	}
	y.hasArg = false
	y.pop(col, false)
	parent := y.top()
	child := yamlFrame{indent: col,
		secret: parent.secret || secretContainer(key) || !parent.names && isSecretName(key),
		names:  namesContainer(key)}
	head := rest[:len(rest)-len(value)]
	v := strings.TrimLeft(value, " \t")
	head += value[:len(value)-len(v)]
	if yamlOpensNode(v) {
		y.stack = append(y.stack, child)
		return rest
	}
	scalarSecret := parent.secret || secretContainer(key) || isSecretName(key)
	return head + y.value(col, v, scalarSecret, child)
}

// value masks a value written on its key's line (or a sequence item):
// a block scalar's header, a flow collection, a quoted or plain scalar.
func (y *yamlScan) value(col int, v string, secret bool, child yamlFrame) string {
	switch v[0] {
	case '|', '>':
		y.cont, y.contIndent, y.contSecret = true, col, secret || child.secret
		return v
	case '{', '[':
		return y.flow(v, child)
	case '"', '\'':
		end := stringEnd(v, 0, v[0])
		if end == len(v) && (len(v) == 1 || v[len(v)-1] != v[0]) {
			// Open: the scalar goes on over the next lines.
			y.quote, y.quoteSecret = v[0], secret
			return y.maskPart(v[:1], v[1:], secret)
		}
		if !secret {
			return v
		}
		y.found.addLiteral(v[:end])
		return `"` + mask + `"` + v[end:]
	}
	val, tail := yamlPlain(v)
	if secret {
		// A plain scalar may go on over lines indented deeper.
		y.cont, y.contIndent, y.contSecret = true, col, true
		y.found.add(val)
		return mask + tail
	}
	return v
}

// maskPart masks body after head when secret.
func (y *yamlScan) maskPart(head, body string, secret bool) string {
	if !secret || strings.TrimSpace(body) == "" {
		return head + body
	}
	y.found.add(body)
	y.found.add(strings.TrimSpace(body))
	return head + mask
}

// quoted handles a line inside a quoted scalar left open.
func (y *yamlScan) quoted(body string) string {
	for j := 0; j < len(body); j++ {
		switch body[j] {
		case '\\':
			if y.quote == '"' {
				j++
			}
		case y.quote:
			if y.quote == '\'' && j+1 < len(body) && body[j+1] == '\'' {
				j++ // '' is a quote inside single quotes
				continue
			}
			secret := y.quoteSecret
			y.quote = 0
			return y.maskPart("", body[:j], secret) + body[j:]
		}
	}
	return y.maskPart("", body, y.quoteSecret)
}

// yamlOpensNode reports whether a key's value is on the following lines:
// nothing, a comment, or only an anchor or a tag.
func yamlOpensNode(v string) bool {
	for _, f := range strings.Fields(v) {
		switch {
		case strings.HasPrefix(f, "#"):
			return true
		case strings.HasPrefix(f, "&"), strings.HasPrefix(f, "!"):
		default:
			return false
		}
	}
	return true
}

// yamlKey splits "key: value" into the key (unquoted) and what follows
// its colon; ok is false when rest is no key/value pair.
func yamlKey(rest string) (key, value string, ok bool) {
	switch rest[0] {
	case '"', '\'':
		end := stringEnd(rest, 0, rest[0])
		after := strings.TrimLeft(rest[end:], " \t")
		if !strings.HasPrefix(after, ":") || !yamlSeparator(after, 0) {
			return "", "", false
		}
		return unquote(rest[:end]), after[1:], true
	case '{', '[', '?', '|', '>', '&', '*', '!', '#':
		return "", "", false
	}
	for j := 0; j < len(rest); j++ {
		switch {
		case rest[j] == '#' && j > 0 && (rest[j-1] == ' ' || rest[j-1] == '\t'):
			return "", "", false
		case rest[j] == ':' && yamlSeparator(rest, j):
			return strings.TrimSpace(rest[:j]), rest[j+1:], true
		}
	}
	return "", "", false
}

// yamlSeparator reports whether the colon at s[j] ends a key: it is
// followed by white space or the end of the line.
func yamlSeparator(s string, j int) bool {
	return j+1 == len(s) || s[j+1] == ' ' || s[j+1] == '\t'
}

// yamlPlain splits a plain scalar from a comment after it.
func yamlPlain(v string) (val, tail string) {
	for j := 1; j < len(v); j++ {
		if v[j] == '#' && (v[j-1] == ' ' || v[j-1] == '\t') {
			val = strings.TrimRight(v[:j], " \t")
			return val, v[len(val):]
		}
	}
	val = strings.TrimRight(v, " \t")
	return val, v[len(val):]
}

// flow masks a flow collection written on one line ({K: v}, [a, b]) with
// the rules of maskJSON; outer is the frame the collection is the value
// of.
func (y *yamlScan) flow(v string, outer yamlFrame) string {
	type frame struct{ mapping, secret, names bool }
	var stack []frame
	var b strings.Builder
	expectKey, lastKey := false, ""
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '#' && i > 0 && (v[i-1] == ' ' || v[i-1] == '\t'):
			b.WriteString(v[i:])
			return b.String()
		case c == '{' || c == '[':
			f := frame{mapping: c == '{'}
			if len(stack) == 0 {
				f.secret, f.names = outer.secret, f.mapping && outer.names
			} else if t := stack[len(stack)-1]; t.mapping {
				f.secret = t.secret || secretContainer(lastKey) || !t.names && isSecretName(lastKey)
				f.names = f.mapping && namesContainer(lastKey)
			} else {
				f.secret = t.secret
			}
			stack = append(stack, f)
			expectKey = f.mapping
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
		case c == ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].mapping
		case c == ':':
			expectKey = false
		case c == ' ' || c == '\t' || len(stack) == 0:
		default:
			end := flowScalarEnd(v, i)
			lit := strings.TrimRight(v[i:end], " \t")
			t := stack[len(stack)-1]
			switch {
			case t.mapping && expectKey:
				lastKey = unquote(lit)
				b.WriteString(lit)
			case t.secret || t.mapping && isSecretName(lastKey):
				y.found.addLiteral(lit)
				b.WriteString(mask)
			default:
				b.WriteString(lit)
			}
			i += max(len(lit), 1)
			continue
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// flowScalarEnd is the index after the scalar starting at v[i] inside a
// flow collection.
func flowScalarEnd(v string, i int) int {
	if v[i] == '"' || v[i] == '\'' {
		return stringEnd(v, i, v[i])
	}
	for j := i; j < len(v); j++ {
		switch v[j] {
		case ',', '[', ']', '{', '}':
			return j
		case ':':
			if j+1 == len(v) || strings.IndexByte(" \t,]}", v[j+1]) >= 0 {
				return j
			}
		case '#':
			if j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
				return j
			}
		}
	}
	return len(v)
}
