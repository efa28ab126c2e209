package mcpconfig

import (
	"sort"
	"strings"
)

// Mask returns data as text with every secret replaced by ***: values
// under env, envs (goose), environment and headers, values of keys named like secrets
// (key, token, secret, password, auth, bearer, credential, cookie,
// session, private), secret arguments (-e NAME=X, --token=X, --token X,
// API_KEY=X), URL passwords, secret query parameters, and values shaped
// like API keys. A secret found in the parsed document is masked wherever
// its text appears (comments and multi-line strings included). The lines
// stay as they were, one for one. It never fails: an unknown format is
// masked as JSON, unparsable text by a tolerant scan and by shape.
func Mask(format string, data []byte) string {
	return maskWith(format, data, secretsOf(format, data))
}

// MaskPair masks two versions of a config with the secrets of both, so a
// secret that one side holds in a secret position and the other only in a
// comment or an unparsed line is masked on both.
func MaskPair(format string, a, b []byte) (string, string) {
	secrets := append(secretsOf(format, a), secretsOf(format, b)...)
	return maskWith(format, a, secrets), maskWith(format, b, secrets)
}

// secretsOf returns the texts that Mask masks wherever they appear in data:
// each secret found by parsing data, by the tolerant scan and by shape,
// as written and JSON-escaped, one entry per line of a
// multi-line value, none shorter than 4 bytes. It is for masking and
// tests only: never print it. Unexported so that no caller can.
func secretsOf(format string, data []byte) []string {
	found := secretSet{}
	if tree, err := Parse(format, data); err == nil {
		found.collectTree(tree, false)
	}
	maskShapes(scan(format, string(data), found), found)
	return found.sorted()
}

// maskWith is Mask with the secrets to mask everywhere given (from
// secretsOf, of this text or another version of it).
func maskWith(format string, data []byte, secrets []string) string {
	found := secretSet{}
	for _, s := range secrets {
		found.put(s)
	}
	out := maskShapes(scan(format, string(data), found), found)
	r := replacer(found.sorted())
	return scrub(r.Replace(out), r)
}

// scan masks text by position with the tolerant scan of its format.
func scan(format, text string, found secretSet) string {
	switch format {
	case FormatTOML:
		return maskTOML(text, found)
	case FormatYAML:
		return maskYAML(text, found)
	}
	return maskJSON(text, found)
}

// sorted lists the set longest first, so that a secret holding another is
// masked whole.
func (s secretSet) sorted() []string {
	out := make([]string, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// replacer replaces each secret (longest first) by mask.
func replacer(secrets []string) *strings.Replacer {
	pairs := make([]string, 0, 2*len(secrets))
	for _, s := range secrets {
		pairs = append(pairs, s, mask)
	}
	return strings.NewReplacer(pairs...)
}

// scrub removes any secret that the earlier passes left or formed anew
// (a mask next to text can complete one, a replaced secret can hide one
// that overlapped it). It replaces a few rounds; should a secret still
// show (only text built to chain masks does that), each line that holds
// one becomes a mask: a secret holds no newline and is longer than the
// mask, so such a line holds none.
func scrub(out string, r *strings.Replacer) string {
	for range 4 {
		next := r.Replace(out)
		if next == out {
			return out
		}
		out = next
	}
	lines := strings.SplitAfter(out, "\n")
	for i, line := range lines {
		if r.Replace(line) != line {
			_, eol := splitEOL(line)
			lines[i] = mask + eol
		}
	}
	return strings.Join(lines, "")
}
