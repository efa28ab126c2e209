package mcpconfig

import (
	"strings"
)

// The token scans below mask values by their position (under env and
// headers, under keys named like secrets) without parsing, so they work on
// damaged text too. They record what they mask in a secretSet, so that the
// same text is masked wherever else it appears.

// jsonFrame is one open object or array in maskJSON's scan.
type jsonFrame struct {
	object bool
	secret bool // every value inside is a secret
	names  bool // its keys are names of servers or projects
}

// maskJSON scans JSON or JSONC token by token, tolerating errors.
func maskJSON(s string, found secretSet) string {
	var b strings.Builder
	var stack []jsonFrame
	top := func() jsonFrame {
		if len(stack) == 0 {
			return jsonFrame{}
		}
		return stack[len(stack)-1]
	}
	expectKey, lastKey := false, ""
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			end := stringEnd(s, i, '"')
			lit := s[i:end]
			if top().object && expectKey {
				lastKey = unquote(lit)
				b.WriteString(lit)
			} else if top().secret || (top().object && isSecretName(lastKey)) {
				found.addLiteral(lit)
				b.WriteString(`"` + mask + `"`)
			} else {
				b.WriteString(lit)
			}
			i = end
			continue
		case (c == '-' || c >= '0' && c <= '9') && !expectKey && (top().secret || top().object && isSecretName(lastKey)):
			n := i + len(numberToken().FindString(s[i:]))
			if n == i {
				n = i + 1
			}
			found.add(s[i:n])
			b.WriteString(mask)
			i = n
			continue
		case c == '/' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'):
			end := commentEnd(s, i)
			b.WriteString(s[i:end])
			i = end
			continue
		case c == '{' || c == '[':
			f := jsonFrame{object: c == '{', secret: top().secret}
			if top().object && (secretContainer(lastKey) || !top().names && isSecretName(lastKey)) {
				f.secret = true
			}
			f.names = f.object && top().object && namesContainer(lastKey)
			stack = append(stack, f)
			expectKey = f.object
		case c == '}' || c == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			expectKey = false
		case c == ',':
			expectKey = top().object
		case c == ':':
			expectKey = false
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// stringEnd is the index after the string literal starting at s[i] (quote
// q), or the end of its line when it is not closed.
func stringEnd(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q == '"' && j+1 < len(s) && s[j+1] != '\n' {
				j++
			}
		case q:
			return j + 1
		case '\n':
			return j
		}
	}
	return len(s)
}

// commentEnd is the index after the // or /* comment starting at s[i].
func commentEnd(s string, i int) int {
	if s[i+1] == '/' {
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j
		}
		return len(s)
	}
	if j := strings.Index(s[i+2:], "*/"); j >= 0 {
		return i + 2 + j + 2
	}
	return len(s)
}

// unquote strips one pair of quotes (a literal may lack its closing one).
func unquote(lit string) string {
	lit = strings.TrimPrefix(lit, `"`)
	lit = strings.TrimPrefix(lit, `'`)
	lit = strings.TrimSuffix(lit, `"`)
	return strings.TrimSuffix(lit, `'`)
}

// tomlScan masks TOML line by line: a table whose name holds env or
// headers (or a secret name) masks all its values; a key named like a
// secret masks its value; inside inline tables the same rules hold per
// pair; the lines of a multi-line string in a secret position are masked
// whole.
type tomlScan struct {
	found       secretSet
	section     string // the name of the current table
	multi       string // the delimiter of the open multi-line string, if any
	multiSecret bool
}

func maskTOML(s string, found secretSet) string {
	t := &tomlScan{found: found}
	lines := strings.SplitAfter(s, "\n")
	for i, line := range lines {
		lines[i] = t.line(line)
	}
	return strings.Join(lines, "")
}

func (t *tomlScan) line(line string) string {
	if t.multi != "" {
		return t.continuation(line)
	}
	trimmed := strings.TrimSpace(line)
	if strings.HasPrefix(trimmed, "[") {
		t.section = strings.Trim(trimmed, "[] \t\r\n")
		return line
	}
	eq := keyEnd(line)
	if eq < 0 {
		return line
	}
	key, value := line[:eq+1], line[eq+1:]
	path := strings.TrimSpace(key[:eq])
	if t.section != "" {
		path = t.section + "." + path
	}
	secret := secretPath(path)
	if v := strings.TrimLeft(value, " \t"); strings.HasPrefix(v, `"""`) || strings.HasPrefix(v, "'''") {
		lead := value[:len(value)-len(v)]
		return key + lead + t.openMulti(v, secret)
	}
	if strings.Contains(value, "{") {
		return key + t.maskInline(value, secret)
	}
	if secret {
		return key + t.maskValue(value)
	}
	return line
}

// maskValue masks every string of a value in a secret position, or the
// value itself when it is a bare number.
func (t *tomlScan) maskValue(value string) string {
	if loc := bareNumber().FindStringSubmatchIndex(value); loc != nil {
		t.found.add(value[loc[2]:loc[3]])
		return value[:loc[2]] + mask + value[loc[3]:]
	}
	return tomlString().ReplaceAllStringFunc(value, func(lit string) string {
		t.found.addLiteral(lit)
		return `"` + mask + `"`
	})
}

// openMulti handles a value that starts a multi-line string: v begins with
// its delimiter.
func (t *tomlScan) openMulti(v string, secret bool) string {
	delim := v[:3]
	rest := v[3:]
	if end := strings.Index(rest, delim); end >= 0 {
		// Opened and closed on one line.
		return delim + t.maskPart(rest[:end], secret) + rest[end:]
	}
	t.multi, t.multiSecret = delim, secret
	body, nl := splitEOL(rest)
	return delim + t.maskPart(body, secret) + nl
}

// continuation handles a line inside a multi-line string.
func (t *tomlScan) continuation(line string) string {
	if end := strings.Index(line, t.multi); end >= 0 {
		secret := t.multiSecret
		t.multi = ""
		return t.maskPart(line[:end], secret) + line[end:]
	}
	body, nl := splitEOL(line)
	return t.maskPart(body, t.multiSecret) + nl
}

// maskPart masks a piece of a multi-line string when it is a secret's.
func (t *tomlScan) maskPart(part string, secret bool) string {
	if !secret || strings.TrimSpace(part) == "" {
		return part
	}
	t.found.add(part)
	t.found.add(strings.TrimSpace(part))
	return mask
}

// splitEOL splits line into its body and its line ending.
func splitEOL(line string) (body, eol string) {
	body = strings.TrimRight(line, "\r\n")
	return body, line[len(body):]
}

// keyEnd is the index of the first '=' outside quotes on line, or -1 when
// the line is not a key/value pair.
func keyEnd(line string) int {
	for j := 0; j < len(line); j++ {
		switch line[j] {
		case '"', '\'':
			j = stringEnd(line, j, line[j]) - 1
		case '=':
			return j
		case '#', '\n':
			return -1
		}
	}
	return -1
}

// secretPath reports whether a dotted TOML key names a secret or a
// container of secrets in any part.
func secretPath(key string) bool {
	// A part after mcp_servers names a server: its words do not count
	// ([[mcp_servers]] then [mcp_servers.env] is still an env).
	afterNames := false
	for _, part := range strings.Split(key, ".") {
		part = unquote(strings.TrimSpace(part))
		if secretContainer(part) || !afterNames && isSecretName(part) {
			return true
		}
		afterNames = !afterNames && namesContainer(part)
	}
	return false
}

// maskInline masks the strings of value that belong to secret pairs of an
// inline table (`{ env = { K = "v" }, token = "t" }`).
func (t *tomlScan) maskInline(value string, secret bool) string {
	var b strings.Builder
	depthSecret := []bool{secret}
	for i := 0; i < len(value); {
		c := value[i]
		if loc := tomlPair().FindStringSubmatchIndex(value[i:]); loc != nil && (i == 0 || strings.ContainsRune("{, \t", rune(value[i-1]))) {
			name := unquote(value[i+loc[2] : i+loc[3]])
			b.WriteString(value[i : i+loc[1]])
			i += loc[1]
			secret := depthSecret[len(depthSecret)-1] || secretContainer(name) || isSecretName(name)
			if i < len(value) && value[i] == '{' {
				depthSecret = append(depthSecret, secret)
				b.WriteByte('{')
				i++
				continue
			}
			if secret {
				if m := secretLiteral().FindStringIndex(value[i:]); m != nil && m[0] == 0 {
					lit := value[i : i+m[1]]
					t.found.addLiteral(lit)
					if lit[0] == '"' || lit[0] == '\'' {
						b.WriteString(`"` + mask + `"`)
					} else {
						b.WriteString(mask)
					}
					i += m[1]
				}
			}
			continue
		}
		switch c {
		case '"', '\'':
			end := stringEnd(value, i, c)
			b.WriteString(value[i:end])
			i = end
			continue
		case '}':
			if len(depthSecret) > 1 {
				depthSecret = depthSecret[:len(depthSecret)-1]
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}
