package atomic

import (
	"strings"
	"testing"
)

func TestWinLongPath(t *testing.T) {
	long := strings.Repeat(`a\`, 150) // 300 characters
	short := `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`
	cases := []struct{ name, in, want string }{
		{"short stays", short, short},
		{"drive", `C:\` + long + "mcp.json", `\\?\C:\` + long + "mcp.json"},
		{"slashes", "C:/" + strings.ReplaceAll(long, `\`, "/") + "mcp.json", `\\?\C:\` + long + "mcp.json"},
		{"dot and dotdot", `D:\` + long + `.\x\..\mcp.json`, `\\?\D:\` + long + "mcp.json"},
		{"doubled separators", `C:\\` + long + `\mcp.json`, `\\?\C:\` + long + "mcp.json"},
		{"dotdot above the volume", `C:\..\..\` + long + "f", `\\?\C:\` + long + "f"},
		{"UNC", `\\server\share\` + long + "mcp.json", `\\?\UNC\server\share\` + long + "mcp.json"},
		{"already prefixed", `\\?\C:\` + long, `\\?\C:\` + long},
		{"device path", `\\.\` + long, `\\.\` + long},
		{"relative", long + "mcp.json", long + "mcp.json"},
		{"drive-relative", `C:` + long + "mcp.json", `C:` + long + "mcp.json"},
		{"UNC without share", `\\` + strings.Repeat("a", 300), `\\` + strings.Repeat("a", 300)},
		{"UNC share root", `\\server\` + strings.Repeat("a", 300), `\\?\UNC\server\` + strings.Repeat("a", 300)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := winLongPath(c.in); got != c.want {
				t.Errorf("winLongPath(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
		})
	}
	// The limit: 247 characters stay, 248 get the prefix.
	for n, prefixed := range map[int]bool{winMaxPath - 1: false, winMaxPath: true} {
		p := `C:\` + strings.Repeat("x", n-3)
		if got := strings.HasPrefix(winLongPath(p), `\\?\`); got != prefixed {
			t.Errorf("%d characters: prefixed %v, want %v", n, got, prefixed)
		}
	}
}
