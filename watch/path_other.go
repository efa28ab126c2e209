//go:build !windows && !darwin

package watch

import "strings"

func samePath(a, b string) bool    { return a == b }
func hasPrefix(p, pre string) bool { return strings.HasPrefix(p, pre) }
