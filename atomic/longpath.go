package atomic

import "strings"

// winMaxPath is where Windows' classic path limit (MAX_PATH, 260) begins to
// bite; like Go's os package, use the 248 of CreateDirectory, which leaves
// room for an 8.3 file name.
const winMaxPath = 248

// winLongPath returns the form of a Windows path that the Win32 file API
// takes beyond MAX_PATH: an absolute path of 248 characters or more gets
// the extended-length prefix ("C:\x" becomes `\\?\C:\x`, `\\srv\share\x`
// becomes `\\?\UNC\srv\share\x`). Go's os package does this for its own
// calls; MoveFileEx and CreateFile called directly (fs_windows.go,
// acl_windows.go) need it done by hand.
//
// A prefixed path is taken literally by Windows, so the path is cleaned
// first as Windows would: '/' becomes '\', repeated separators, "." and
// ".." are resolved. Relative, drive-relative ("C:x"), already prefixed
// and short paths are returned unchanged. It is plain string work, so the
// tests run it on every OS.
func winLongPath(p string) string {
	if len(p) < winMaxPath || strings.HasPrefix(p, `\\?\`) || strings.HasPrefix(p, `\\.\`) || strings.HasPrefix(p, `\??\`) {
		return p
	}
	p = strings.ReplaceAll(p, "/", `\`)
	var prefix, rest string
	switch {
	case len(p) >= 3 && isDriveLetter(p[0]) && p[1] == ':' && p[2] == '\\':
		prefix, rest = `\\?\`+p[:2], p[2:]
	case strings.HasPrefix(p, `\\`) && !strings.HasPrefix(p, `\\\`):
		// \\server\share\rest: the server and share stay as they are.
		parts := strings.SplitN(p[2:], `\`, 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return p
		}
		prefix = `\\?\UNC\` + parts[0] + `\` + parts[1]
		if len(parts) == 3 {
			rest = `\` + parts[2]
		}
	default:
		return p
	}
	if rest == "" {
		return prefix
	}
	return prefix + cleanWinRest(rest)
}

// cleanWinRest resolves ".", ".." and empty elements of the part of an
// absolute path after its volume; ".." never climbs above the volume.
func cleanWinRest(rest string) string {
	var out []string
	for _, e := range strings.Split(rest, `\`) {
		switch e {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, e)
		}
	}
	return `\` + strings.Join(out, `\`)
}

func isDriveLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
