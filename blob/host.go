package blob

import "fmt"

// MaxHostLen is the longest host name ValidateHost accepts, in bytes.
const MaxHostLen = 64

// ValidateHost checks the syntax of a host name (not whether it is known):
// lowercase ASCII letters and digits, single dashes between them, starting
// with a letter, at most MaxHostLen bytes. A valid host is safe as one path
// element: it has no '/', no '.', no NUL and no upper case that a
// case-insensitive file system would fold.
//
// The error wraps ErrBadHost and quotes the host with %+q, which escapes
// control characters and every non-ASCII rune, so a Cyrillic look-alike
// shows as \u0430 rather than as an innocent "a".
func ValidateHost(host string) error {
	if why := hostProblem(host); why != "" {
		return fmt.Errorf("%w %+q: %s", ErrBadHost, host, why)
	}
	return nil
}

// hostProblem says what is wrong with host, or "" when nothing is.
func hostProblem(host string) string {
	switch {
	case host == "":
		return "empty"
	case len(host) > MaxHostLen:
		return fmt.Sprintf("longer than %d bytes", MaxHostLen)
	case !isLower(host[0]):
		return "must start with a lowercase letter a-z"
	case host[len(host)-1] == '-':
		return "must not end with '-'"
	}
	for i := 1; i < len(host); i++ {
		c := host[i]
		switch {
		case c == '-' && host[i-1] == '-':
			return "must not contain \"--\""
		case c != '-' && !isLower(c) && !isDigit(c):
			return "only a-z, 0-9 and '-' are allowed"
		}
	}
	return ""
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// legacyHost turns the upper-case MCPHostType spelling of a Python Hatch
// name ("CLAUDE_DESKTOP", "CLAUDE-DESKTOP") into a host ("claude-desktop").
// ok is false unless spelling is only A-Z, 0-9, '_' and '-', and the host it
// gives passes ValidateHost; so a legacy spelling always starts with an
// upper-case letter and never looks like a host.
func legacyHost(spelling string) (host string, ok bool) {
	b := make([]byte, len(spelling))
	for i := 0; i < len(spelling); i++ {
		switch c := spelling[i]; {
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		case isDigit(c) || c == '-':
			b[i] = c
		case c == '_':
			b[i] = '-'
		default:
			return "", false
		}
	}
	host = string(b)
	return host, hostProblem(host) == ""
}
