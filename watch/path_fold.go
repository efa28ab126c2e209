//go:build windows || darwin

package watch

import "strings"

// Windows and macOS file systems are case-insensitive by default: an event
// may name a path in another case than the config's.
func samePath(a, b string) bool { return strings.EqualFold(a, b) }
func hasPrefix(p, pre string) bool {
	return len(p) >= len(pre) && strings.EqualFold(p[:len(pre)], pre)
}
