package mcpconfig

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// minGlobal is the shortest secret masked wherever its text appears.
// Shorter values ("1", "on", "dev") are masked only in their own
// position: masking them everywhere would wreck the diff and hide nothing.
const minGlobal = 4

// secretSet collects the texts to mask everywhere.
type secretSet map[string]bool

// add records v: each of its lines, and its JSON-escaped forms, as the text
// may hold any of them.
func (s secretSet) add(v string) {
	if v == "" {
		return
	}
	for _, line := range strings.Split(v, "\n") {
		s.put(line)
		s.put(strings.TrimRight(line, "\r"))
	}
	if esc := jsonEscape(v, true); esc != v {
		s.put(esc)
	}
	if esc := jsonEscape(v, false); esc != v {
		s.put(esc)
	}
}

func (s secretSet) put(v string) {
	if len(v) >= minGlobal && !strings.Contains(v, "\n") {
		s[v] = true
	}
}

// addLiteral adds a string literal's text as written and, where it reads
// as a JSON string, decoded: "a\nb" in the text may be two lines elsewhere.
func (s secretSet) addLiteral(lit string) {
	s.add(unquote(lit))
	var v string
	if strings.HasPrefix(lit, `"`) && json.Unmarshal([]byte(lit), &v) == nil {
		s.add(v)
	}
}

// jsonEscape is v as a JSON string's contents, with or without HTML escapes.
func jsonEscape(v string, html bool) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(html)
	if enc.Encode(v) != nil {
		return v
	}
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

// collectTree adds the secrets of a parsed document to s.
func (s secretSet) collectTree(v any, secret bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if names, ok := x.(map[string]any); ok && namesContainer(k) {
				s.collectNamed(names, secret)
				continue
			}
			s.collectTree(x, secret || secretContainer(k) || isSecretName(k))
		}
	case []map[string]any:
		for _, x := range v {
			s.collectTree(x, secret)
		}
	case []any:
		s.collectArgs(v)
		for _, x := range v {
			s.collectTree(x, secret)
		}
	case string:
		if secret {
			s.add(v)
		}
		s.collectText(v)
	case json.Number, int64, float64:
		if secret {
			s.add(fmt.Sprint(v))
		}
	}
}

// collectNamed adds the secrets of servers or projects by name: a name is
// not a setting, so a name with a secret word does not make it secret.
func (s secretSet) collectNamed(m map[string]any, secret bool) {
	for k, x := range m {
		s.collectTree(x, secret || secretContainer(k))
	}
}

// collectArgs adds the secrets that a list of arguments holds by position:
// -e NAME=X, --env NAME=X, --token=X, --token X, API_KEY=X.
func (s secretSet) collectArgs(list []any) {
	for i, a := range list {
		arg, ok := a.(string)
		if !ok {
			continue
		}
		next := ""
		if i+1 < len(list) {
			next, _ = list[i+1].(string)
		}
		s.collectArg(arg, next)
	}
}

func (s secretSet) collectArg(arg, next string) {
	if !strings.HasPrefix(arg, "-") {
		if name, val, ok := strings.Cut(arg, "="); ok && envName().MatchString(name) && isSecretName(name) {
			s.add(val)
		}
		return
	}
	name, val, eq := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	switch {
	case name == "e" || name == "env":
		if !eq {
			val = next
		}
		if _, v, ok := strings.Cut(val, "="); ok {
			s.add(v)
		}
	case !isSecretName(name):
	case eq:
		s.add(val)
	case next != "" && !strings.HasPrefix(next, "-"):
		s.add(next)
	}
}

// envName matches an environment variable's name.
var envName = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

// urlPattern finds URLs inside any text.
var urlPattern = lazyRegexp(`[A-Za-z][A-Za-z0-9+.\-]*://[^\s"'<>]+`)

// headerPattern matches "Name: value" where Name looks like a header.
var headerPattern = lazyRegexp(`^\s*([A-Za-z0-9_\-]+):[ \t]*(.+)$`)

// collectText adds the secrets a string holds whatever its position: URL
// passwords, secret query parameters, a secret header as one string.
func (s secretSet) collectText(v string) {
	for _, u := range urlPattern().FindAllString(v, -1) {
		s.collectURL(u)
	}
	if m := headerPattern().FindStringSubmatch(v); m != nil && isSecretName(m[1]) {
		s.add(m[2])
		if f := strings.Fields(m[2]); len(f) == 2 {
			s.add(f[1]) // "Bearer X", "Basic X"
		}
	}
}

// collectURL adds the password and the secret query values of u, as
// written and decoded.
func (s secretSet) collectURL(u string) {
	rest := u[strings.Index(u, "://")+3:]
	authority, tail := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, tail = rest[:i], rest[i:]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		if _, pw, ok := strings.Cut(authority[:at], ":"); ok {
			s.addEscaped(pw)
		}
	}
	q, ok := "", false
	if _, q, ok = strings.Cut(tail, "?"); !ok {
		return
	}
	q, _, _ = strings.Cut(q, "#")
	for _, p := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' || r == ';' }) {
		k, val, _ := strings.Cut(p, "=")
		if name, err := url.QueryUnescape(k); err == nil && isSecretName(name) || isSecretName(k) {
			s.addEscaped(val)
		}
	}
}

// addEscaped adds a URL part as written and percent-decoded.
func (s secretSet) addEscaped(v string) {
	s.add(v)
	if d, err := url.QueryUnescape(v); err == nil {
		s.add(d)
	}
	if d, err := url.PathUnescape(v); err == nil {
		s.add(d)
	}
}
