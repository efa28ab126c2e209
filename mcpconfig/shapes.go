package mcpconfig

import (
	"regexp"
	"strings"
	"sync"
)

// mask is what a secret is replaced with.
const mask = "***"

// secretWords are the parts of a name that make its value a secret.
const secretWords = `key|token|secret|passw|auth|bearer|credential|cookie|session|private`

// secretName matches keys, flags, header and parameter names whose values
// are secrets.
var secretName = lazyRegexp(`(?i)` + secretWords)

func isSecretName(name string) bool { return secretName().MatchString(name) }

// namesContainer reports whether the keys under key are names chosen by
// the user (servers, project paths), not names of settings: a server
// called "github-auth" or a project in /src/keystore is not a secret.
func namesContainer(key string) bool {
	switch strings.ToLower(key) {
	case "mcpservers", "servers", "mcp", "mcp_servers", "context_servers", "projects",
		"extensions", "amp.mcpservers": // goose, amp
		return true
	}
	return false
}

// secretContainer reports whether every value under key is a secret: the
// environment (goose: envs) and HTTP headers of a server.
func secretContainer(key string) bool {
	k := strings.ToLower(key)
	return k == "env" || k == "envs" || k == "environment" || strings.Contains(k, "header")
}

// keyShape matches values shaped like API keys and bearer credentials,
// wherever they appear (strings, comments, unparsable text). None spans a
// newline, so masking keeps the line structure.
var keyShape = lazyRegexp(`\b(?:sk|pk|rk)-[A-Za-z0-9_\-]{8,}|\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{16,}|\bgithub_pat_[A-Za-z0-9_]{16,}` +
	`|\bglpat-[A-Za-z0-9_\-]{16,}|\bxox[abprs]-[A-Za-z0-9\-]{8,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_\-]{30,}` +
	`|\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*|(?i:\bbearer)[ \t]+[A-Za-z0-9._~+/\-]{8,}=*`)

// The shapes of secrets by context. Each has two groups: what stays
// (the context) and the secret, which becomes mask. No secret group spans
// a newline, so line structure stays.
const (
	// name is a flag, variable, parameter or header name; a named shape
	// applies only where it holds a secret word (checked in Go: the word
	// list inside these patterns made them several times slower).
	name = `[A-Za-z0-9_\-]+`
	// unquoted is a value up to a quote, white space or the end of line;
	// a backslash escape is part of it.
	unquoted = `(?:[^\s"'\\]|\\.)+`
	// quoted is the rest of a quoted string on its line.
	quoted = `(?:[^"'\\\n]|\\.)+`
)

// shape is a pattern whose group 2 is a secret when the match is one:
// when named, only if group 1 holds a secret word. A secret found by a
// shape that prose does not trip is also masked wherever else its text
// appears (kept); one found in words of a comment ("use --token here")
// is masked in place only.
type shape struct {
	re          *regexp.Regexp
	named, kept bool
}

var contextShapes = sync.OnceValue(func() []shape {
	return []shape{
		// https://user:PASS@host, postgresql://admin:PASS@host
		{regexp.MustCompile(`(\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#@"'\\:]*:)([^\s@/?#"'\\]+)@`), false, true},
		// ?api_key=X, &token=X
		{regexp.MustCompile(`([?&;][A-Za-z0-9_.\-\[\]%]+=)([^&#\s"'\\]+)`), true, true},
		// --password=X, --api-key=X, API_KEY=X (not after ? or &: a
		// query's next parameter is not the value)
		{regexp.MustCompile(`((?:^|[\s"'\[,(])-{0,2}` + name + `=)(` + unquoted + `)`), true, true},
		// "-e", "NAME=X" and "--env", "NAME=X" as two arguments
		{regexp.MustCompile(`(["']-(?:e|-env)["']\s*,\s*["'][A-Za-z_][A-Za-z0-9_.\-]*=)(` + quoted + `)`), false, true},
		// -e NAME=X, --env=NAME=X in a command line
		{regexp.MustCompile(`((?:^|\s)-(?:e|-env)[ \t=]+[A-Za-z_][A-Za-z0-9_.\-]*=)(` + unquoted + `)`), false, true},
		// "--token", "X" as two arguments
		{regexp.MustCompile(`(["']-{1,2}` + name + `["']\s*,\s*["'])([^\-"'\\\n](?:[^"'\\\n]|\\.)*)`), true, true},
		// --token X in a command line or a comment
		{regexp.MustCompile(`((?:^|\s)-{1,2}` + name + `[ \t]+)([^\s\-"'\\](?:[^\s"'\\]|\\.)*)`), true, false},
		// "X-Api-Key: X" (a header as one string)
		{regexp.MustCompile(`(["']` + name + `:[ \t]*)(` + quoted + `)`), true, true},
		// token: X in a comment (or a YAML line); the value starts after
		// the blanks and an opening quote, so that neither is masked
		{regexp.MustCompile(`((?:^|\s)` + name + `:[ \t]*["']?)([^\s"'\\](?:[^"'\\\n]|\\.)*)`), true, false},
	}
})

// maskShapes masks every secret recognised by its shape or its context,
// and adds those to mask everywhere to found.
func maskShapes(s string, found secretSet) string {
	s = keyShape().ReplaceAllStringFunc(s, func(key string) string {
		found.add(key)
		return mask
	})
	for _, sh := range contextShapes() {
		s = sh.mask(s, found)
	}
	return s
}

// mask replaces group 2 of every match of sh in s by mask. A named match
// that holds no secret word is passed over from the end of its name, so
// that a secret later in its value (X=1,API_KEY=S) is still found.
func (sh shape) mask(s string, found secretSet) string {
	var b strings.Builder
	last := 0
	for p := 0; p < len(s); {
		l := sh.re.FindStringSubmatchIndex(s[p:])
		if l == nil {
			break
		}
		if sh.named && !isSecretName(s[p+l[2]:p+l[3]]) {
			p += max(l[3], 1)
			continue
		}
		b.WriteString(s[last : p+l[4]])
		b.WriteString(mask)
		if sh.kept {
			found.add(s[p+l[4] : p+l[5]])
		}
		last = p + l[5]
		p += max(l[1], 1)
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// tomlString matches a basic or literal TOML string on one line.
var tomlString = lazyRegexp(`"(?:[^"\\\n]|\\.)*"|'[^'\n]*'`)

// secretLiteral matches a TOML string or a bare number: the values that
// an inline table's secret pair masks.
var secretLiteral = lazyRegexp(`^(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[-+]?[0-9][0-9_.eE+\-]*)`)

// bareNumber matches a value that is one number (and maybe a comment).
var bareNumber = lazyRegexp(`^[ \t]*([-+]?[0-9][0-9_.eE+\-]*)[ \t]*(?:#.*)?\r?\n?$`)

// numberToken matches a JSON number (or what a damaged one looks like).
var numberToken = lazyRegexp(`^-?[0-9A-Za-z_.+\-]*`)

// tomlPair matches `name = ` inside a value (inline tables).
var tomlPair = lazyRegexp(`^([A-Za-z0-9_\-]+|"[^"\n]*"|'[^'\n]*')\s*=\s*`)

// lazyRegexp compiles expr on first use: only show and diff mask, and
// compiling at start would cost every other command (create included)
// about a tenth of a millisecond.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
