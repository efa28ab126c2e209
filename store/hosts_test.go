package store

import (
	"errors"
	"testing"
)

// fakeEnv is an environment for one OS with the given variables and files.
func fakeEnv(goos string, vars map[string]string, files ...string) Env {
	exists := map[string]bool{}
	for _, f := range files {
		exists[f] = true
	}
	return Env{
		GOOS:   goos,
		Getenv: func(k string) string { return vars[k] },
		Exists: func(p string) bool { return exists[p] },
		Cwd:    "/work/proj",
	}
}

func TestHostConfigPaths(t *testing.T) {
	unixHome := map[string]string{"HOME": "/home/u"}
	macHome := map[string]string{"HOME": "/Users/u"}
	win := map[string]string{"USERPROFILE": `C:\Users\u`, "APPDATA": `C:\Users\u\AppData\Roaming`, "LOCALAPPDATA": `C:\Users\u\AppData\Local`}
	winNoVars := map[string]string{"USERPROFILE": `C:\Users\u`}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{k: v}
		for a, b := range base {
			m[a] = b
		}
		return m
	}
	winStore := `C:\Users\u\AppData\Local\Packages\Claude_pzs8sxrjxfjjc\LocalCache\Roaming\Claude\claude_desktop_config.json`
	cases := []struct {
		host, goos string
		vars       map[string]string
		files      []string
		want       string
	}{
		{"claude-desktop", "linux", unixHome, nil, "/home/u/.config/Claude/claude_desktop_config.json"},
		{"claude-desktop", "linux", with(unixHome, "XDG_CONFIG_HOME", "/xdg"), nil, "/xdg/Claude/claude_desktop_config.json"},
		{"claude-desktop", "linux", with(unixHome, "XDG_CONFIG_HOME", "relative/xdg"), nil, "/home/u/.config/Claude/claude_desktop_config.json"},
		{"claude-desktop", "darwin", macHome, nil, "/Users/u/Library/Application Support/Claude/claude_desktop_config.json"},
		{"claude-desktop", "windows", win, nil, `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`},
		{"claude-desktop", "windows", winNoVars, nil, `C:\Users\u\AppData\Roaming\Claude\claude_desktop_config.json`},
		{"claude-desktop", "windows", win, []string{winStore}, winStore},
		{"claude-code", "linux", unixHome, nil, "/home/u/.claude.json"},
		{"claude-code", "darwin", with(macHome, "CLAUDE_CONFIG_DIR", "/cfg/claude"), nil, "/cfg/claude/.claude.json"},
		{"claude-code", "windows", win, nil, `C:\Users\u\.claude.json`},
		{"vscode", "linux", unixHome, nil, "/home/u/.config/Code/User/mcp.json"},
		{"vscode", "darwin", macHome, nil, "/Users/u/Library/Application Support/Code/User/mcp.json"},
		{"vscode", "windows", win, nil, `C:\Users\u\AppData\Roaming\Code\User\mcp.json`},
		{"cursor", "linux", unixHome, nil, "/home/u/.cursor/mcp.json"},
		{"cursor", "windows", win, nil, `C:\Users\u\.cursor\mcp.json`},
		{"lmstudio", "darwin", macHome, nil, "/Users/u/.lmstudio/mcp.json"},
		{"gemini", "linux", unixHome, nil, "/home/u/.gemini/settings.json"},
		{"gemini", "windows", win, nil, `C:\Users\u\.gemini\settings.json`},
		{"mistral-vibe", "linux", unixHome, nil, "/home/u/.vibe/config.toml"},
		{"mistral-vibe", "linux", with(unixHome, "VIBE_HOME", "/v"), nil, "/v/config.toml"},
		{"mistral-vibe", "linux", with(unixHome, "VIBE_HOME", "/v"), []string{"/work/proj/.vibe/config.toml"}, "/work/proj/.vibe/config.toml"},
		{"codex", "linux", unixHome, nil, "/home/u/.codex/config.toml"},
		{"codex", "windows", with(win, "CODEX_HOME", `D:\codex`), nil, `D:\codex\config.toml`},
		{"kiro", "darwin", macHome, nil, "/Users/u/.kiro/settings/mcp.json"},
		{"opencode", "linux", unixHome, nil, "/home/u/.config/opencode/opencode.json"},
		{"opencode", "linux", unixHome, []string{"/home/u/.config/opencode/opencode.jsonc"}, "/home/u/.config/opencode/opencode.jsonc"},
		{"opencode", "darwin", macHome, nil, "/Users/u/.config/opencode/opencode.json"},
		{"opencode", "windows", win, nil, `C:\Users\u\AppData\Roaming\opencode\opencode.json`},
		{"augment", "windows", win, nil, `C:\Users\u\.augment\settings.json`},
	}
	for _, c := range cases {
		t.Run(c.host+"/"+c.goos, func(t *testing.T) {
			h, err := LookupHost(c.host)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.ConfigPath(fakeEnv(c.goos, c.vars, c.files...)); got != c.want {
				t.Errorf("got %s\nwant %s", got, c.want)
			}
		})
	}
	// Every host resolves to an absolute path on every OS.
	for _, h := range Hosts() {
		for _, goos := range []string{"linux", "darwin", "windows"} {
			e := fakeEnv(goos, map[string]string{"HOME": "/h", "USERPROFILE": `C:\h`})
			if p := h.ConfigPath(e); !e.isAbs(p) {
				t.Errorf("%s on %s: %q is not absolute", h.Name, goos, p)
			}
		}
	}
}

func TestLookupHost(t *testing.T) {
	for _, name := range []string{"", "VSCode", "vs code", "../etc", "/abs", "сursor", "cursor\x00", "windsurf"} {
		if _, err := LookupHost(name); !errors.Is(err, ErrUnknownHost) {
			t.Errorf("LookupHost(%q): %v, want ErrUnknownHost", name, err)
		}
	}
	if len(HostNames()) < 11 {
		t.Errorf("only %d hosts", len(HostNames()))
	}
	for _, n := range HostNames() {
		if _, err := LookupHost(n); err != nil {
			t.Error(err)
		}
	}
}
