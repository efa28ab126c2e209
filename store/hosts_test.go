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
		{"windsurf", "linux", unixHome, nil, "/home/u/.codeium/windsurf/mcp_config.json"},
		{"windsurf", "darwin", macHome, nil, "/Users/u/.codeium/windsurf/mcp_config.json"},
		{"windsurf", "windows", win, nil, `C:\Users\u\.codeium\windsurf\mcp_config.json`},
		{"zed", "linux", unixHome, nil, "/home/u/.config/zed/settings.json"},
		{"zed", "linux", with(unixHome, "XDG_CONFIG_HOME", "/xdg"), nil, "/xdg/zed/settings.json"},
		{"zed", "linux", with(with(unixHome, "XDG_CONFIG_HOME", "/xdg"), "FLATPAK_XDG_CONFIG_HOME", "/flat"), nil, "/flat/zed/settings.json"},
		{"zed", "darwin", with(macHome, "XDG_CONFIG_HOME", "/xdg"), nil, "/Users/u/.config/zed/settings.json"},
		{"zed", "windows", win, nil, `C:\Users\u\AppData\Roaming\Zed\settings.json`},
		{"zed", "windows", winNoVars, nil, `C:\Users\u\AppData\Roaming\Zed\settings.json`},
		{"cline", "linux", unixHome, nil, "/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
		{"cline", "darwin", macHome, nil, "/Users/u/Library/Application Support/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"},
		{"cline", "windows", win, nil, `C:\Users\u\AppData\Roaming\Code\User\globalStorage\saoudrizwan.claude-dev\settings\cline_mcp_settings.json`},
		{"cline-cli", "linux", unixHome, nil, "/home/u/.cline/data/settings/cline_mcp_settings.json"},
		{"cline-cli", "darwin", macHome, nil, "/Users/u/.cline/data/settings/cline_mcp_settings.json"},
		{"cline-cli", "windows", win, nil, `C:\Users\u\.cline\data\settings\cline_mcp_settings.json`},
		{"cline-cli", "linux", with(unixHome, "CLINE_DIR", "/c"), nil, "/c/data/settings/cline_mcp_settings.json"},
		{"cline-cli", "linux", with(with(unixHome, "CLINE_DIR", "/c"), "CLINE_DATA_DIR", "/d"), nil, "/d/settings/cline_mcp_settings.json"},
		{"cline-cli", "linux", with(with(unixHome, "CLINE_DATA_DIR", "/d"), "CLINE_MCP_SETTINGS_PATH", "/m/mcp.json"), nil, "/m/mcp.json"},
		{"cline-cli", "linux", with(unixHome, "CLINE_MCP_SETTINGS_PATH", "relative.json"), nil, "/home/u/.cline/data/settings/cline_mcp_settings.json"},
		{"cline-cli", "windows", with(win, "CLINE_DATA_DIR", `D:\cline`), nil, `D:\cline\settings\cline_mcp_settings.json`},
		{"goose", "linux", unixHome, nil, "/home/u/.config/goose/config.yaml"},
		{"goose", "linux", with(unixHome, "XDG_CONFIG_HOME", "/xdg"), nil, "/xdg/goose/config.yaml"},
		{"goose", "darwin", macHome, nil, "/Users/u/.config/goose/config.yaml"},
		{"goose", "windows", win, nil, `C:\Users\u\AppData\Roaming\Block\goose\config\config.yaml`},
		{"goose", "linux", with(unixHome, "GOOSE_PATH_ROOT", "/g"), nil, "/g/config/config.yaml"},
		{"goose", "windows", with(win, "GOOSE_PATH_ROOT", `D:\g`), nil, `D:\g\config\config.yaml`},
		{"continue", "linux", unixHome, nil, "/home/u/.continue/config.yaml"},
		{"continue", "darwin", with(macHome, "CONTINUE_GLOBAL_DIR", "/cont"), nil, "/cont/config.yaml"},
		{"continue", "windows", win, nil, `C:\Users\u\.continue\config.yaml`},
		{"copilot-cli", "linux", with(unixHome, "XDG_CONFIG_HOME", "/xdg"), nil, "/home/u/.copilot/mcp-config.json"},
		{"copilot-cli", "darwin", with(macHome, "COPILOT_HOME", "/cop"), nil, "/cop/mcp-config.json"},
		{"copilot-cli", "windows", win, nil, `C:\Users\u\.copilot\mcp-config.json`},
		{"amp", "linux", unixHome, nil, "/home/u/.config/amp/settings.json"},
		{"amp", "linux", unixHome, []string{"/home/u/.config/amp/settings.jsonc"}, "/home/u/.config/amp/settings.jsonc"},
		{"amp", "darwin", with(macHome, "AMP_SETTINGS_FILE", "/a/amp.json"), nil, "/a/amp.json"},
		{"amp", "linux", with(unixHome, "AMP_SETTINGS_FILE", "rel/amp.json"), nil, "/home/u/.config/amp/settings.json"},
		{"amp", "windows", win, nil, `C:\Users\u\.config\amp\settings.json`},
		{"amp", "windows", with(win, "AMP_SETTINGS_FILE", `D:\amp\settings.json`), nil, `D:\amp\settings.json`},
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
	for _, name := range []string{"", "VSCode", "vs code", "../etc", "/abs", "сursor", "cursor\x00", "wind surf", "cline_cli"} {
		if _, err := LookupHost(name); !errors.Is(err, ErrUnknownHost) {
			t.Errorf("LookupHost(%q): %v, want ErrUnknownHost", name, err)
		}
	}
	if len(HostNames()) < 19 {
		t.Errorf("only %d hosts", len(HostNames()))
	}
	for _, n := range HostNames() {
		if _, err := LookupHost(n); err != nil {
			t.Error(err)
		}
	}
}
