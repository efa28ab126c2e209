package main

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// shown is s as a line of human output may carry it: as it is, or quoted
// with Go escapes when it holds a control character. A path or server
// name with an ESC in it must not drive the terminal, and one with a
// newline must not forge a line of output.
func shown(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// escapeControls replaces each control character of a message line with
// its \xNN escape (errors and notices, which are whole lines already).
func escapeControls(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
