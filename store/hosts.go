package store

import (
	"fmt"
	"path"
	"strings"
)

// Host is one MCP host: where it keeps its config on each OS and what the
// file looks like. The table below is the only place that knows paths.
type Host struct {
	Name    string // CLI name, e.g. "claude-desktop"
	Display string // human name, e.g. "Claude Desktop"
	Format  string // "json", "jsonc", "toml" or "yaml"
	// ServersKey is the top-level key of the MCP servers, taken literally:
	// amp's "amp.mcpServers" is one key with a dot in it, not a path.
	ServersKey string
	// ServersList: ServersKey holds a list of servers, each naming itself
	// in "name" (mistral-vibe's [[mcp_servers]], continue's mcpServers),
	// not a map.
	ServersList bool
	// ProjectsKey: the file also holds per-project servers, under
	// <ProjectsKey>["<abs path>"].<ServersKey> (claude-code's "projects").
	ProjectsKey string
	// RewritesOnStart: the app rewrites its config from its own state when
	// it starts, so a restore made while it runs can be undone.
	RewritesOnStart bool
	resolve         func(e Env) string
}

// Env is what host path resolution reads: the OS, environment variables and
// whether a file exists (for hosts whose path depends on what is there).
// Tests pass their own; DefaultEnv reads the real process.
type Env struct {
	GOOS   string
	Getenv func(string) string
	Exists func(path string) bool
	Cwd    string
}

var hostTable = []Host{
	{Name: "claude-desktop", Display: "Claude Desktop", Format: "json", ServersKey: "mcpServers", RewritesOnStart: true,
		resolve: func(e Env) string {
			switch e.GOOS {
			case "darwin":
				return e.join(e.home(), "Library", "Application Support", "Claude", "claude_desktop_config.json")
			case "windows":
				classic := e.join(e.appData(), "Claude", "claude_desktop_config.json")
				store := e.join(e.localAppData(), "Packages", "Claude_pzs8sxrjxfjjc", "LocalCache", "Roaming", "Claude", "claude_desktop_config.json")
				if !e.exists(classic) && e.exists(store) {
					return store
				}
				return classic
			}
			return e.join(e.xdgConfig(), "Claude", "claude_desktop_config.json")
		}},
	{Name: "claude-code", Display: "Claude Code", Format: "json", ServersKey: "mcpServers", ProjectsKey: "projects",
		resolve: func(e Env) string {
			if d := e.Getenv("CLAUDE_CONFIG_DIR"); d != "" {
				return e.join(d, ".claude.json")
			}
			return e.join(e.home(), ".claude.json")
		}},
	{Name: "vscode", Display: "VS Code", Format: "jsonc", ServersKey: "servers",
		resolve: func(e Env) string { return e.join(e.appConfig(), "Code", "User", "mcp.json") }},
	{Name: "cursor", Display: "Cursor", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".cursor", "mcp.json") }},
	{Name: "lmstudio", Display: "LM Studio", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".lmstudio", "mcp.json") }},
	{Name: "gemini", Display: "Gemini CLI", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".gemini", "settings.json") }},
	{Name: "mistral-vibe", Display: "Mistral Vibe", Format: "toml", ServersKey: "mcp_servers", ServersList: true,
		resolve: func(e Env) string {
			if e.Cwd != "" {
				if local := e.join(e.Cwd, ".vibe", "config.toml"); e.exists(local) {
					return local
				}
			}
			if d := e.Getenv("VIBE_HOME"); d != "" {
				return e.join(d, "config.toml")
			}
			return e.join(e.home(), ".vibe", "config.toml")
		}},
	{Name: "codex", Display: "Codex", Format: "toml", ServersKey: "mcp_servers",
		resolve: func(e Env) string {
			if d := e.Getenv("CODEX_HOME"); d != "" {
				return e.join(d, "config.toml")
			}
			return e.join(e.home(), ".codex", "config.toml")
		}},
	{Name: "kiro", Display: "Kiro", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".kiro", "settings", "mcp.json") }},
	{Name: "opencode", Display: "OpenCode", Format: "jsonc", ServersKey: "mcp",
		resolve: func(e Env) string {
			dir := e.join(e.xdgConfig(), "opencode")
			if e.GOOS == "windows" {
				dir = e.join(e.appData(), "opencode")
			}
			if jsonc := e.join(dir, "opencode.jsonc"); e.exists(jsonc) {
				return jsonc
			}
			return e.join(dir, "opencode.json")
		}},
	{Name: "augment", Display: "Augment", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".augment", "settings.json") }},
	// ~/.codeium/windsurf/mcp_config.json as guides cite Windsurf's MCP
	// docs; the Windows path (under %USERPROFILE%) comes from third-party
	// guides only, and no override is documented. Its JetBrains plugin keeps
	// ~/.codeium/mcp_config.json, which this does not back up.
	{Name: "windsurf", Display: "Windsurf", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string { return e.join(e.home(), ".codeium", "windsurf", "mcp_config.json") }},
	// Zed keeps every setting in this one file; its servers sit among them
	// under context_servers. Paths as Zed's docs and paths.rs give them:
	// macOS ignores XDG_CONFIG_HOME; on Windows one other tool uses
	// %USERPROFILE%\.config\zed instead of %APPDATA%\Zed.
	{Name: "zed", Display: "Zed", Format: "jsonc", ServersKey: "context_servers",
		resolve: func(e Env) string {
			switch e.GOOS {
			case "darwin":
				return e.join(e.home(), ".config", "zed", "settings.json")
			case "windows":
				return e.join(e.appData(), "Zed", "settings.json")
			}
			if d := e.Getenv("FLATPAK_XDG_CONFIG_HOME"); d != "" && e.isAbs(d) {
				return e.join(d, "zed", "settings.json")
			}
			return e.join(e.xdgConfig(), "zed", "settings.json")
		}},
	// Cline keeps its servers in two places that sources disagree on
	// merging: the VS Code extension's global storage, and ~/.cline for the
	// CLI and JetBrains. Each is a host of its own, so that both are backed
	// up (create --all) and each backup names the file it came from.
	{Name: "cline", Display: "Cline (VS Code)", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string {
			return e.join(e.appConfig(), "Code", "User", "globalStorage", "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json")
		}},
	// CLINE_MCP_SETTINGS_PATH is not in HOSTS.md: guides quoting Cline's
	// CLI docs and tools that manage the file name it. CLINE_DATA_DIR is
	// the data folder itself, CLINE_DIR the folder that holds it; the
	// first wins, as in Cline's own code.
	{Name: "cline-cli", Display: "Cline CLI", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string {
			if p := e.Getenv("CLINE_MCP_SETTINGS_PATH"); p != "" && e.isAbs(p) {
				return p
			}
			data := e.join(e.home(), ".cline", "data")
			if d := e.Getenv("CLINE_DATA_DIR"); d != "" {
				data = d
			} else if d := e.Getenv("CLINE_DIR"); d != "" {
				data = e.join(d, "data")
			}
			return e.join(data, "settings", "cline_mcp_settings.json")
		}},
	// Goose resolves its folders with etcetera's XDG strategy on macOS too
	// (its docs: ~/.config/goose), Block\goose\config under %APPDATA% on
	// Windows (its docs; other tools disagree). Goose keeps its own
	// config.yaml.bak beside it.
	{Name: "goose", Display: "Goose", Format: "yaml", ServersKey: "extensions",
		resolve: func(e Env) string {
			if d := e.Getenv("GOOSE_PATH_ROOT"); d != "" {
				return e.join(d, "config", "config.yaml")
			}
			if e.GOOS == "windows" {
				return e.join(e.appData(), "Block", "goose", "config", "config.yaml")
			}
			return e.join(e.xdgConfig(), "goose", "config.yaml")
		}},
	// Continue also reads one file per server from ~/.continue/mcpServers/;
	// only config.yaml, the file its docs point to, is backed up.
	{Name: "continue", Display: "Continue", Format: "yaml", ServersKey: "mcpServers", ServersList: true,
		resolve: func(e Env) string {
			if d := e.Getenv("CONTINUE_GLOBAL_DIR"); d != "" {
				return e.join(d, "config.yaml")
			}
			return e.join(e.home(), ".continue", "config.yaml")
		}},
	// GitHub's docs said ~/.config until late 2025; its CLI config-folder
	// reference now gives ~/.copilot, moved by COPILOT_HOME. One page still
	// says XDG_CONFIG_HOME moves it, but it is reported ignored since
	// 1.0.4, so it is not read here.
	{Name: "copilot-cli", Display: "GitHub Copilot CLI", Format: "json", ServersKey: "mcpServers",
		resolve: func(e Env) string {
			if d := e.Getenv("COPILOT_HOME"); d != "" {
				return e.join(d, "mcp-config.json")
			}
			return e.join(e.home(), ".copilot", "mcp-config.json")
		}},
	// Amp's servers are under the one top-level key "amp.mcpServers" (a dot
	// in the key, not nesting). ~/.config/amp on every OS, as tools that
	// write the file and HOSTS.md give it (Amp's manual could not be read
	// here); one other tool uses %APPDATA%\amp on Windows.
	{Name: "amp", Display: "Amp", Format: "jsonc", ServersKey: "amp.mcpServers",
		resolve: func(e Env) string {
			if p := e.Getenv("AMP_SETTINGS_FILE"); p != "" && e.isAbs(p) {
				return p
			}
			dir := e.join(e.home(), ".config", "amp")
			if jsonc := e.join(dir, "settings.jsonc"); e.exists(jsonc) {
				return jsonc
			}
			return e.join(dir, "settings.json")
		}},
}

// Hosts returns the supported hosts in a stable order.
func Hosts() []Host { return append([]Host(nil), hostTable...) }

// HostNames returns the supported host names, for messages and completion.
func HostNames() []string {
	names := make([]string, len(hostTable))
	for i, h := range hostTable {
		names[i] = h.Name
	}
	return names
}

// LookupHost returns the host named name; ErrUnknownHost (with the list of
// supported hosts) for any other name.
func LookupHost(name string) (Host, error) {
	for _, h := range hostTable {
		if h.Name == name {
			return h, nil
		}
	}
	supported := "(supported: " + strings.Join(HostNames(), ", ") + ")"
	if near := Suggest(name, HostNames()); near != "" {
		return Host{}, fmt.Errorf("%w %q (did you mean %s?) %s", ErrUnknownHost, name, near, supported)
	}
	return Host{}, fmt.Errorf("%w %q %s", ErrUnknownHost, name, supported)
}

// Suggest returns the candidate closest to name when it is a likely typo
// (at most 2 edits, and fewer than half the name), else "".
func Suggest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(name), c); d < bestDist && 2*d < len(c) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the number of single-byte insertions, deletions,
// substitutions and swaps of neighbours that turn a into b (optimal string
// alignment): "lsit" is one edit from "list".
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// ConfigPath is where h keeps its config under e. It may be a path that
// does not exist.
func (h Host) ConfigPath(e Env) string { return h.resolve(e) }

func (e Env) exists(p string) bool { return e.Exists != nil && e.Exists(p) }

// home is the user's home directory as the OS defines it.
func (e Env) home() string {
	if e.GOOS == "windows" {
		if h := e.Getenv("USERPROFILE"); h != "" {
			return h
		}
	}
	return e.Getenv("HOME")
}

func (e Env) xdgConfig() string {
	if d := e.Getenv("XDG_CONFIG_HOME"); d != "" && e.isAbs(d) {
		return d
	}
	return e.join(e.home(), ".config")
}

func (e Env) appData() string {
	if d := e.Getenv("APPDATA"); d != "" {
		return d
	}
	return e.join(e.home(), "AppData", "Roaming")
}

func (e Env) localAppData() string {
	if d := e.Getenv("LOCALAPPDATA"); d != "" {
		return d
	}
	return e.join(e.home(), "AppData", "Local")
}

// appConfig is the per-user application config folder of the OS.
func (e Env) appConfig() string {
	switch e.GOOS {
	case "darwin":
		return e.join(e.home(), "Library", "Application Support")
	case "windows":
		return e.appData()
	}
	return e.xdgConfig()
}

// join builds a path in e's OS syntax, so that every OS resolves the same
// way whatever OS the program (or its test) runs on.
func (e Env) join(elem ...string) string {
	if e.GOOS != "windows" {
		return path.Join(elem...)
	}
	parts := make([]string, 0, len(elem))
	for i, p := range elem {
		p = strings.ReplaceAll(p, "/", `\`)
		if i > 0 {
			p = strings.Trim(p, `\`)
		} else {
			p = strings.TrimRight(p, `\`)
		}
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, `\`)
}

func (e Env) isAbs(p string) bool {
	if e.GOOS == "windows" {
		return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') || strings.HasPrefix(p, `\\`)
	}
	return strings.HasPrefix(p, "/")
}
