package main

import (
	"regexp"
	"strings"
	"sync"
)

// mask is what a secret-looking value is replaced with in diff output.
const mask = "***"

// secretName matches keys whose values are secrets.
var secretName = lazyRegexp(`(?i)key|token|secret|passw|auth|bearer|credential|cookie|session|private`)

// keyShape matches values shaped like API keys and bearer credentials,
// wherever they appear (strings, comments, unparsable text). None spans a
// newline, so masking keeps the line structure.
var keyShape = lazyRegexp(`\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}|\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{16,}|\bgithub_pat_[A-Za-z0-9_]{16,}` +
	`|\bglpat-[A-Za-z0-9_\-]{16,}|\bxox[abprs]-[A-Za-z0-9\-]{8,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{30,}` +
	`|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*|(?i:\bbearer)[ \t]+[A-Za-z0-9._~+/\-]{8,}=*`)

// secretContainer reports whether every value under key is a secret: the
// environment and HTTP headers of a server.
func secretContainer(key string) bool {
	k := strings.ToLower(key)
	return k == "env" || k == "environment" || strings.Contains(k, "header")
}

// maskSecrets returns data with secret-looking values replaced by mask:
// values under env and headers, values of keys named like secrets, and
// values shaped like API keys. The structure (keys, brackets, line breaks)
// stays, so a masked diff still shows what changed where. It never fails:
// unparsable text is masked by shape alone, plus what the scan recognises.
func maskSecrets(format string, data []byte) string {
	var out string
	if format == "toml" {
		out = maskTOML(string(data))
	} else {
		out = maskJSON(string(data))
	}
	return keyShape().ReplaceAllString(out, mask)
}

// jsonFrame is one open object or array in maskJSON's scan.
type jsonFrame struct {
	object bool
	secret bool // every value inside is a secret
}

// maskJSON scans JSON or JSONC token by token, tolerating errors.
func maskJSON(s string) string {
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
			} else if top().secret || (top().object && secretName().MatchString(lastKey)) {
				b.WriteString(`"` + mask + `"`)
			} else {
				b.WriteString(lit)
			}
			i = end
			continue
		case c == '/' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'):
			end := commentEnd(s, i)
			b.WriteString(s[i:end])
			i = end
			continue
		case c == '{' || c == '[':
			f := jsonFrame{object: c == '{', secret: top().secret}
			if top().object && (secretContainer(lastKey) || secretName().MatchString(lastKey)) {
				f.secret = true
			}
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
			if q == '"' {
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

func unquote(lit string) string {
	return strings.Trim(lit, `"'`)
}

// tomlString matches a basic or literal TOML string on one line.
var tomlString = lazyRegexp(`"(?:[^"\\\n]|\\.)*"|'[^'\n]*'`)

// tomlPair matches `name = ` inside a value (inline tables).
var tomlPair = lazyRegexp(`^([A-Za-z0-9_\-]+|"[^"\n]*"|'[^'\n]*')\s*=\s*`)

// maskTOML masks line by line: a table whose name holds env or headers (or
// a secret name) masks all its values; a key named like a secret masks its
// value; inside inline tables the same rules hold per pair.
func maskTOML(s string) string {
	lines := strings.SplitAfter(s, "\n")
	sectionSecret := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "[") {
			sectionSecret = secretPath(strings.Trim(trimmed, "[] \t\r\n"))
			continue
		}
		eq := keyEnd(line)
		if eq < 0 {
			continue
		}
		key, value := line[:eq], line[eq:]
		if sectionSecret || secretPath(strings.TrimSpace(key)) {
			lines[i] = key + tomlString().ReplaceAllString(value, `"`+mask+`"`)
			continue
		}
		lines[i] = key + maskInline(value)
	}
	return strings.Join(lines, "")
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
	for _, part := range strings.Split(key, ".") {
		part = unquote(strings.TrimSpace(part))
		if secretContainer(part) || secretName().MatchString(part) {
			return true
		}
	}
	return false
}

// maskInline masks the strings of value that belong to secret pairs of an
// inline table (`{ env = { K = "v" }, token = "t" }`).
func maskInline(value string) string {
	if !strings.Contains(value, "{") {
		return value
	}
	var b strings.Builder
	depthSecret := []bool{false}
	for i := 0; i < len(value); {
		c := value[i]
		if loc := tomlPair().FindStringSubmatchIndex(value[i:]); loc != nil && (i == 0 || strings.ContainsRune("{, \t", rune(value[i-1]))) {
			name := unquote(value[i+loc[2] : i+loc[3]])
			b.WriteString(value[i : i+loc[1]])
			i += loc[1]
			secret := depthSecret[len(depthSecret)-1] || secretContainer(name) || secretName().MatchString(name)
			if i < len(value) && value[i] == '{' {
				depthSecret = append(depthSecret, secret)
				b.WriteByte('{')
				i++
				continue
			}
			if secret {
				if m := tomlString().FindStringIndex(value[i:]); m != nil && m[0] == 0 {
					b.WriteString(`"` + mask + `"`)
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

// lazyRegexp compiles expr on first use: only show and diff mask, and
// compiling at start would cost every other command (create included)
// about a tenth of a millisecond.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
