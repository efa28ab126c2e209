package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// setVar sets an environment variable for the binary's runs.
func (e *testEnv) setVar(k, v string) { e.vars = append(e.vars, k+"="+v) }

// hostsJSON returns `hosts --json`, keyed by host name.
func (e *testEnv) hostsJSON() map[string]hostJSON {
	e.t.Helper()
	r := e.must(0, "hosts", "--json")
	var rows []hostJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		e.t.Fatalf("hosts --json: %v\n%s", err, r.stdout)
	}
	out := map[string]hostJSON{}
	for _, h := range rows {
		out[h.Hostname] = h
	}
	return out
}

// TestHostsResolveEveryHost checks every host's path through the binary,
// first from HOME alone, then with each host's own variables set.
func TestHostsResolveEveryHost(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the Windows rules are covered by store's table tests")
	}
	e := newEnv(t)
	h := e.home
	appSupport := filepath.Join(h, ".config")
	if runtime.GOOS == "darwin" {
		appSupport = filepath.Join(h, "Library", "Application Support")
	}
	defaults := map[string]string{
		"claude-desktop": filepath.Join(appSupport, "Claude", "claude_desktop_config.json"),
		"claude-code":    filepath.Join(h, ".claude.json"),
		"vscode":         filepath.Join(appSupport, "Code", "User", "mcp.json"),
		"cursor":         filepath.Join(h, ".cursor", "mcp.json"),
		"lmstudio":       filepath.Join(h, ".lmstudio", "mcp.json"),
		"gemini":         filepath.Join(h, ".gemini", "settings.json"),
		"mistral-vibe":   filepath.Join(h, ".vibe", "config.toml"),
		"codex":          filepath.Join(h, ".codex", "config.toml"),
		"kiro":           filepath.Join(h, ".kiro", "settings", "mcp.json"),
		"opencode":       filepath.Join(h, ".config", "opencode", "opencode.json"),
		"augment":        filepath.Join(h, ".augment", "settings.json"),
		"windsurf":       filepath.Join(h, ".codeium", "windsurf", "mcp_config.json"),
		"zed":            filepath.Join(h, ".config", "zed", "settings.json"),
		"cline":          filepath.Join(appSupport, "Code", "User", "globalStorage", "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json"),
		"cline-cli":      filepath.Join(h, ".cline", "data", "settings", "cline_mcp_settings.json"),
		"goose":          filepath.Join(h, ".config", "goose", "config.yaml"),
		"continue":       filepath.Join(h, ".continue", "config.yaml"),
		"copilot-cli":    filepath.Join(h, ".copilot", "mcp-config.json"),
		"amp":            filepath.Join(h, ".config", "amp", "settings.json"),
	}
	formats := map[string]string{"vscode": "jsonc", "opencode": "jsonc", "codex": "toml", "mistral-vibe": "toml",
		"zed": "jsonc", "amp": "jsonc", "goose": "yaml", "continue": "yaml"}
	check := func(want map[string]string) {
		t.Helper()
		got := e.hostsJSON()
		if len(got) != len(want) {
			t.Errorf("%d hosts, want %d", len(got), len(want))
		}
		for name, p := range want {
			row := got[name]
			if row.Path != p {
				t.Errorf("%s: path %s, want %s", name, row.Path, p)
			}
			f := formats[name]
			if f == "" {
				f = "json"
			}
			if row.Format != f || row.Exists || row.Size != nil || row.Latest != nil {
				t.Errorf("%s: %+v", name, row)
			}
		}
	}
	check(defaults)

	over := t.TempDir()
	vars := map[string]string{"XDG_CONFIG_HOME": "xdg", "CLAUDE_CONFIG_DIR": "claude", "CODEX_HOME": "codex", "VIBE_HOME": "vibe",
		"CLINE_DATA_DIR": "cline", "GOOSE_PATH_ROOT": "goose", "CONTINUE_GLOBAL_DIR": "continue", "COPILOT_HOME": "copilot",
		"AMP_SETTINGS_FILE": filepath.Join("amp", "amp.json")}
	for k, v := range vars {
		e.setVar(k, filepath.Join(over, v))
	}
	want := map[string]string{}
	for k, v := range defaults {
		want[k] = v
	}
	want["claude-code"] = filepath.Join(over, "claude", ".claude.json")
	want["codex"] = filepath.Join(over, "codex", "config.toml")
	want["mistral-vibe"] = filepath.Join(over, "vibe", "config.toml")
	want["opencode"] = filepath.Join(over, "xdg", "opencode", "opencode.json")
	want["cline-cli"] = filepath.Join(over, "cline", "settings", "cline_mcp_settings.json")
	want["goose"] = filepath.Join(over, "goose", "config", "config.yaml")
	want["continue"] = filepath.Join(over, "continue", "config.yaml")
	want["copilot-cli"] = filepath.Join(over, "copilot", "mcp-config.json")
	want["amp"] = filepath.Join(over, "amp", "amp.json")
	if runtime.GOOS != "darwin" {
		want["claude-desktop"] = filepath.Join(over, "xdg", "Claude", "claude_desktop_config.json")
		want["vscode"] = filepath.Join(over, "xdg", "Code", "User", "mcp.json")
		want["cline"] = filepath.Join(over, "xdg", "Code", "User", "globalStorage", "saoudrizwan.claude-dev", "settings", "cline_mcp_settings.json")
		want["zed"] = filepath.Join(over, "xdg", "zed", "settings.json")
	}
	check(want)

	// Files that are there change the answer: opencode.jsonc, and a
	// project-local .vibe in the current folder.
	jsonc := filepath.Join(over, "xdg", "opencode", "opencode.jsonc")
	e.writeConfig(jsonc, "oc", 0o600)
	local := filepath.Join(e.home, ".vibe", "config.toml") // the binary runs in HOME
	os.MkdirAll(filepath.Dir(local), 0o700)
	os.WriteFile(local, []byte("[[mcp_servers]]\nname = \"a\"\n"), 0o600)
	got := e.hostsJSON()
	if got["opencode"].Path != jsonc || !got["opencode"].Exists || got["opencode"].Size == nil {
		t.Errorf("opencode: %+v", got["opencode"])
	}
	if got["mistral-vibe"].Path != local || !got["mistral-vibe"].Exists {
		t.Errorf("mistral-vibe: %+v", got["mistral-vibe"])
	}

	// The latest backup shows up, and the table names hosts and paths.
	e.must(0, "create", "--host", "opencode")
	got = e.hostsJSON()
	if l := got["opencode"].Latest; l == nil || l.Hostname != "opencode" || l.OriginalConfigPath == nil || *l.OriginalConfigPath != jsonc {
		t.Errorf("opencode latest: %+v", l)
	}
	table := e.must(0, "hosts").stdout
	for _, s := range []string{"HOST", "opencode", jsonc, "just now", "(missing)"} {
		if !strings.Contains(table, s) {
			t.Errorf("hosts table lacks %q:\n%s", s, table)
		}
	}
}

// configs writes the usual configs of a few hosts, each holding the
// secret marker: cursor (JSON), vscode (JSONC), codex (TOML).
func (e *testEnv) configs() map[string]string {
	e.t.Helper()
	paths := map[string]string{
		"cursor": filepath.Join(e.home, ".cursor", "mcp.json"),
		"vscode": filepath.Join(e.home, ".config", "Code", "User", "mcp.json"),
		"codex":  filepath.Join(e.home, ".codex", "config.toml"),
	}
	if runtime.GOOS == "darwin" {
		paths["vscode"] = filepath.Join(e.home, "Library", "Application Support", "Code", "User", "mcp.json")
	}
	if runtime.GOOS == "windows" {
		paths["vscode"] = filepath.Join(e.home, "AppData", "Roaming", "Code", "User", "mcp.json")
	}
	e.writeConfig(paths["cursor"], "one", 0o600)
	write := func(p, data string) {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			e.t.Fatal(err)
		}
	}
	write(paths["vscode"], "{\n  // mine\n  \"servers\": {\"fs\": {\"env\": {\"TOKEN\": \""+secretMarker+"\"},},},\n}")
	write(paths["codex"], "[mcp_servers.fs]\ncommand = \"npx\"\n\n[mcp_servers.fs.env]\nAPI_KEY = \""+secretMarker+"\"\n")
	return paths
}

func createAllJSON(t *testing.T, r result) map[string]resultJSON {
	t.Helper()
	var rows []resultJSON
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatalf("create --all --json: %v\n%s", err, r)
	}
	out := map[string]resultJSON{}
	for _, row := range rows {
		out[row.Hostname] = row
	}
	return out
}

func TestCreateAll(t *testing.T) {
	e := newEnv(t)
	r := e.must(10, "create", "--all")
	if !strings.Contains(r.stderr, "no host config found") {
		t.Errorf("no configs: %s", r)
	}
	e.must(2, "create", "--all", "--host", "cursor")

	paths := e.configs()
	// gemini's config is a folder: that host fails, the others do not.
	gemini := filepath.Join(e.home, ".gemini", "settings.json")
	os.MkdirAll(gemini, 0o700)
	r = e.must(1, "create", "--all", "--json")
	rows := createAllJSON(t, r)
	if len(rows) != 4 {
		t.Fatalf("%d results, want 4: %s", len(rows), r)
	}
	for host, p := range paths {
		row := rows[host]
		if !row.Success || row.Backup == nil || row.Backup.OriginalConfigPath == nil || *row.Backup.OriginalConfigPath != p ||
			row.Backup.Parsed == nil || !*row.Backup.Parsed || row.Skipped {
			t.Errorf("%s: %+v", host, row)
		}
		if data, _ := os.ReadFile(p); row.Backup != nil {
			if got, _ := os.ReadFile(row.Backup.FilePath); !bytes.Equal(got, data) {
				t.Errorf("%s: backup bytes differ", host)
			}
		}
	}
	if g := rows["gemini"]; g.Success || g.ErrorMessage == nil || !strings.Contains(*g.ErrorMessage, gemini) || g.BackupPath != nil {
		t.Errorf("gemini: %+v", g)
	}
	if strings.Count(r.stdout, `"error":`) != 0 || !strings.Contains(r.stderr, "gemini") {
		t.Errorf("one JSON document on stdout, the summary on stderr: %s", r)
	}

	os.Remove(gemini)
	r = e.must(0, "create", "--all")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Errorf("text: one line per host, got:\n%s", r.stdout)
	}
	for _, l := range lines {
		if host := strings.Fields(l)[0]; paths[host] == "" {
			t.Errorf("line %q names no backed-up host", l)
		}
	}
	before := len(e.listJSON())
	r = e.must(0, "create", "--all", "--skip-unchanged", "--json")
	for host, row := range createAllJSON(t, r) {
		if !row.Skipped || !row.Success || row.Backup == nil {
			t.Errorf("%s not skipped: %+v", host, row)
		}
	}
	if after := len(e.listJSON()); after != before {
		t.Errorf("skip-unchanged wrote %d backups", after-before)
	}
}

func TestSkipUnchanged(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "one", 0o600)
	first := e.must(0, "create", "--host", "cursor", "--skip-unchanged").stdout
	r := e.must(0, "create", "--host", "cursor", "--skip-unchanged", "--json")
	var res resultJSON
	json.Unmarshal([]byte(r.stdout), &res)
	if !res.Skipped || res.Backup == nil || res.Backup.FilePath != strings.TrimSpace(first) {
		t.Errorf("unchanged: %s", r)
	}
	r = e.must(0, "create", "--host", "cursor", "--skip-unchanged")
	if strings.TrimSpace(r.stdout) != strings.TrimSpace(first) || !strings.Contains(r.stderr, "unchanged") {
		t.Errorf("text: %s", r)
	}
	// Another path with the same bytes has no backup yet.
	other := filepath.Join(e.home, "other.json")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(other, data, 0o600)
	e.must(0, "create", "--host", "cursor", "--config", other, "--skip-unchanged")
	e.writeConfig(cfg, "two", 0o600)
	e.must(0, "create", "--host", "cursor", "--skip-unchanged")
	e.must(0, "create", "--host", "cursor") // without the flag, always
	if n := len(e.listJSON()); n != 4 {
		t.Errorf("%d backups, want 4", n)
	}
}

func TestShow(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	one := e.writeConfig(cfg, "one", 0o600)
	e.must(0, "create", "--host", "cursor", "--compress")
	old := e.listJSON()[0]
	two := e.writeConfig(cfg, "two", 0o600)
	e.must(0, "create", "--host", "cursor")

	if r := e.must(0, "show", "--host", "cursor"); r.stdout != string(two) {
		t.Errorf("show latest: %q", r.stdout)
	}
	if r := e.must(0, "show", "--host", "cursor", "--timestamp", old.Timestamp); r.stdout != string(one) {
		t.Errorf("show compressed by timestamp: %q", r.stdout)
	}
	r := e.must(0, "show", "--host", "cursor", "--json")
	var sj showJSON
	if err := json.Unmarshal([]byte(r.stdout), &sj); err != nil || sj.Content == nil || *sj.Content != string(two) {
		t.Errorf("show --json: %v %s", err, r)
	}
	e.must(10, "show", "--host", "cursor", "--timestamp", "20000101_000000_000000")
	e.must(10, "show", "--host", "vscode")
	e.must(2, "show", "--host", "cursor", "--timestamp", "yesterday")
	e.must(2, "show")

	os.WriteFile(e.listJSON()[0].FilePath, bytes.Replace(two, []byte("two"), []byte("TWO"), 1), 0o600)
	r = e.must(3, "show", "--host", "cursor")
	if r.stdout != "" {
		t.Errorf("a damaged backup printed %q", r.stdout)
	}
}

func TestDiff(t *testing.T) {
	e := newEnv(t)
	paths := e.configs()
	e.must(0, "create", "--all")

	for host := range paths {
		r := e.must(0, "diff", "--host", host, "--exit-code")
		if r.stdout != "" {
			t.Errorf("%s unchanged: %s", host, r)
		}
	}
	// cursor: a server added, the secret changed; the diff shows structure
	// and never the secret.
	os.WriteFile(paths["cursor"], []byte("{\n  \"mcpServers\": {\n    \"one\": {\"command\": \"npx\", \"env\": {\"API_KEY\": \""+secretMarker+"-new\"}},\n"+
		"    \"two\": {\"url\": \"https://example.com/mcp\", \"headers\": {\"Authorization\": \"Bearer "+secretMarker+"\"}}\n  }\n}\n"), 0o600)
	for _, args := range [][]string{{}, {"--exit-code"}} {
		want := 0
		if len(args) > 0 {
			want = 1
		}
		r := e.must(want, append([]string{"diff", "--host", "cursor"}, args...)...)
		if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stderr, "SECRET") {
			t.Errorf("diff shows the secret:\n%s", r)
		}
		for _, s := range []string{"--- " + paths["cursor"], "+++ " + paths["cursor"], `"API_KEY": "***"`, `"two"`, `"url": "https://example.com/mcp"`, `"Authorization": "***"`, "@@"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("diff lacks %q:\n%s", s, r.stdout)
			}
		}
	}
	r := e.must(0, "diff", "--host", "cursor", "--servers")
	if r.stdout != "~ one (changed)\n+ two (added)\n" {
		t.Errorf("--servers: %q", r.stdout)
	}
	r = e.must(0, "diff", "--host", "codex", "--servers", "--json")
	var dj diffJSON
	if err := json.Unmarshal([]byte(r.stdout), &dj); err != nil || dj.Differs || dj.Servers == nil || len(dj.Servers) != 0 {
		t.Errorf("codex --servers --json: %v %s", err, r)
	}
	// TOML: the env table's values are masked.
	os.WriteFile(paths["codex"], []byte("[mcp_servers.fs]\ncommand = \"uvx\"\n\n[mcp_servers.fs.env]\nAPI_KEY = \"plain-value\"\n"), 0o600)
	r = e.must(0, "diff", "--host", "codex")
	if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "plain-value") || !strings.Contains(r.stdout, "+command = \"uvx\"") || !strings.Contains(r.stdout, `API_KEY = "***"`) {
		t.Errorf("codex diff:\n%s", r.stdout)
	}
	// --to another file; a missing one is exit 10.
	other := filepath.Join(e.home, "other.jsonc")
	os.WriteFile(other, []byte("{\"servers\": {}}\n"), 0o600)
	r = e.must(0, "diff", "--host", "vscode", "--to", other, "--servers")
	if r.stdout != "- fs (removed)\n" {
		t.Errorf("--to: %q", r.stdout)
	}
	e.must(10, "diff", "--host", "vscode", "--to", filepath.Join(e.home, "nope.json"))
	e.must(10, "diff", "--host", "gemini")
	// --servers on a file that does not parse names it and its position.
	os.WriteFile(other, []byte("{\"servers\": \n"), 0o600)
	r = e.must(2, "diff", "--host", "vscode", "--to", other, "--servers")
	if !strings.Contains(r.stderr, other) || !strings.Contains(r.stderr, ", column ") {
		t.Errorf("unparsable --to: %s", r)
	}
}

func TestUnparsableConfig(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	good := e.writeConfig(cfg, "one", 0o600)
	e.must(0, "create", "--host", "cursor")
	broken := []byte("{\n  \"mcpServers\": {\"a\": {\"env\": {\"K\": \"" + secretMarker + "\"}}},\n}\n")
	os.WriteFile(cfg, broken, 0o600)
	r := e.must(0, "create", "--host", "cursor")
	if !strings.Contains(r.stderr, cfg) || !strings.Contains(r.stderr, "line 3, column 1") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("warning: %s", r)
	}
	if got, _ := os.ReadFile(strings.TrimSpace(r.stdout)); !bytes.Equal(got, broken) {
		t.Error("the unparsable config was not backed up byte for byte")
	}
	list := e.listJSON()
	if list[0].Parsed == nil || *list[0].Parsed || list[1].Parsed == nil || !*list[1].Parsed {
		t.Errorf("parsed: %v, %v", list[0].Parsed, list[1].Parsed)
	}
	if table := e.must(0, "list").stdout; !strings.Contains(table, "(unparsable)") {
		t.Errorf("list table:\n%s", table)
	}
	os.WriteFile(cfg, good, 0o600)
	r = e.must(0, "restore", "--host", "cursor", "--timestamp", list[0].Timestamp)
	if !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "did not parse") {
		t.Errorf("restore of an unparsable backup: %s", r)
	}
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, broken) {
		t.Error("restore did not put the bytes back")
	}
	r = e.must(0, "restore", "--host", "cursor", "--timestamp", list[1].Timestamp, "--no-backup")
	if strings.Contains(r.stderr, "warning") {
		t.Errorf("warning for a backup that parsed: %s", r)
	}
}

func TestTypoSuggestions(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lsit"}, `unknown command "lsit" (did you mean list?)`},
		{[]string{"hots"}, "did you mean hosts?"},
		{[]string{"create", "--host", "cusor"}, `unknown host "cusor" (did you mean cursor?) (supported: claude-desktop, `},
		{[]string{"list", "--host", "vscod"}, "did you mean vscode?"},
		{[]string{"diff", "--host", "sublime"}, "supported: claude-desktop"},
		{[]string{"frobnicate"}, "commands: hosts, create"},
	} {
		r := e.must(2, c.args...)
		if !strings.Contains(r.stderr, c.want) || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: %s, want %q", c.args, r, c.want)
		}
	}
}

func TestHelpEveryCommand(t *testing.T) {
	e := newEnv(t)
	for _, cmd := range []string{"hosts", "create", "list", "show", "diff", "restore", "version", "completion"} {
		r := e.must(0, cmd, "--help")
		for _, s := range []string{"Examples:", "EXIT CODES", "hatch-backup " + cmd} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("%s --help lacks %q:\n%s", cmd, s, r.stdout)
			}
		}
	}
	r := e.must(0, "--help")
	for _, cmd := range []string{"hosts", "show", "diff", "completion"} {
		if !strings.Contains(r.stdout, cmd) {
			t.Errorf("--help lacks %s", cmd)
		}
	}
}

func TestListHumanTable(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	data := e.writeConfig(cfg, "one", 0o600)
	e.must(0, "create", "--host", "cursor")
	table := e.must(0, "list").stdout
	for _, s := range []string{"AGE", "just now", humanSize(int64(len(data)))} {
		if !strings.Contains(table, s) {
			t.Errorf("list lacks %q:\n%s", s, table)
		}
	}
	if b := e.listJSON()[0]; b.FileSize != int64(len(data)) {
		t.Errorf("JSON size %d, want exact %d", b.FileSize, len(data))
	}
}

func TestCompletion(t *testing.T) {
	e := newEnv(t)
	scripts := map[string]string{}
	for _, sh := range []string{"bash", "zsh", "fish"} {
		scripts[sh] = e.must(0, "completion", sh).stdout
		if !strings.Contains(scripts[sh], "cursor") || !strings.Contains(scripts[sh], "skip-unchanged") {
			t.Errorf("%s script lacks hosts or flags", sh)
		}
		if path, err := exec.LookPath(sh); err == nil {
			if out, err := exec.Command(path, "-n", "-c", scripts[sh]).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, out)
			}
		}
	}
	e.must(2, "completion")
	e.must(2, "completion", "powershell")

	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash to run the completion in")
	}
	for _, c := range []struct{ words, want string }{
		{"hatch-backup cr", "create"},
		{"hatch-backup create --host cu", "cursor"},
		{"hatch-backup --json diff --ser", "--servers"},
		{"hatch-backup create --sk", "--skip-unchanged"},
		{"hatch-backup completion f", "fish"},
	} {
		script := scripts["bash"] + "\nCOMP_WORDS=(" + c.words + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_hatch_backup\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "-c", script).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != c.want {
			t.Errorf("complete %q: %q %v, want %q", c.words, out, err, c.want)
		}
	}
}

// TestNewHostsYAMLJSONCDottedKey: goose (YAML), zed (JSONC among all of
// Zed's settings), amp (the dotted "amp.mcpServers" key) and both cline
// files through the binary: hosts finds them, create --all backs each up
// and checks that it parses, diff masks their secrets and diff --servers
// names the servers that changed.
func TestNewHostsYAMLJSONCDottedKey(t *testing.T) {
	e := newEnv(t)
	paths := map[string]string{}
	for name, row := range e.hostsJSON() {
		paths[name] = row.Path
	}
	write := func(host, data string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(paths[host]), 0o700)
		if err := os.WriteFile(paths[host], []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("goose", "GOOSE_PROVIDER: anthropic\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n  github:\n    cmd: npx\n    args: [-y, '@modelcontextprotocol/server-github']\n    envs:\n      GITHUB_PERSONAL_ACCESS_TOKEN: "+secretMarker+"\n    type: stdio\n")
	write("zed", "// Zed settings\n{\n  \"theme\": \"One Dark\",\n  \"context_servers\": {\n    \"hexdocs\": {\"source\": \"custom\", \"command\": \"npx\", \"args\": [\"-y\", \"hexdocs-mcp\"], \"env\": {\"TOKEN\": \""+secretMarker+"\"}},\n  },\n  \"vim_mode\": true,\n}\n")
	write("amp", "{\n  \"amp.mcpServers\": {\"playwright\": {\"command\": \"npx\", \"args\": [\"-y\", \"@playwright/mcp@latest\"], \"env\": {\"K\": \""+secretMarker+"\"}}},\n  \"amp.anthropic.thinking.enabled\": true\n}\n")
	write("cline", `{"mcpServers": {"ext": {"command": "node", "env": {"API_KEY": "`+secretMarker+`"}}}}`)
	write("cline-cli", `{"mcpServers": {"cli": {"url": "https://h/mcp"}}}`)

	got := e.hostsJSON()
	for _, h := range []string{"goose", "zed", "amp", "cline", "cline-cli"} {
		if row := got[h]; !row.Exists || row.Size == nil || row.Path != paths[h] {
			t.Errorf("hosts %s: %+v", h, row)
		}
	}
	table := e.must(0, "hosts").stdout
	for _, s := range []string{"cline-cli", paths["cline"], paths["cline-cli"], "yaml"} {
		if !strings.Contains(table, s) {
			t.Errorf("hosts table lacks %q:\n%s", s, table)
		}
	}

	r := e.must(0, "create", "--all", "--json")
	rows := createAllJSON(t, r)
	if len(rows) != 5 || r.stderr != "" {
		t.Fatalf("create --all: %d rows: %s", len(rows), r)
	}
	for h, row := range rows {
		if !row.Success || row.Backup == nil || row.Backup.Parsed == nil || !*row.Backup.Parsed || *row.Backup.OriginalConfigPath != paths[h] {
			t.Errorf("%s: %+v", h, row)
		}
	}

	// Changes: goose gains a server and its token changes; zed's server
	// changes among other settings; amp's server is renamed, and a nested
	// amp.mcpServers (not where Amp reads) is ignored.
	write("goose", "GOOSE_PROVIDER: anthropic\nextensions:\n  developer:\n    enabled: true\n    type: builtin\n  github:\n    cmd: npx\n    args: [-y, '@modelcontextprotocol/server-github']\n    envs:\n      GITHUB_PERSONAL_ACCESS_TOKEN: "+secretMarker+"-new\n    type: stdio\n  fetch:\n    cmd: uvx\n    args: [mcp-server-fetch]\n")
	write("zed", "// Zed settings\n{\n  \"theme\": \"One Light\",\n  \"context_servers\": {\n    \"hexdocs\": {\"source\": \"custom\", \"command\": \"npx\", \"args\": [\"-y\", \"hexdocs-mcp@0.6\"], \"env\": {\"TOKEN\": \""+secretMarker+"\"}},\n  },\n  \"vim_mode\": true,\n}\n")
	write("amp", "{\n  \"amp.mcpServers\": {\"pw\": {\"command\": \"npx\", \"args\": [\"-y\", \"@playwright/mcp@latest\"], \"env\": {\"K\": \""+secretMarker+"\"}}},\n  \"amp\": {\"mcpServers\": {\"nested\": {}}},\n  \"amp.anthropic.thinking.enabled\": true\n}\n")
	for host, want := range map[string]string{
		"goose": "+ fetch (added)\n~ github (changed)\n",
		"zed":   "~ hexdocs (changed)\n",
		"amp":   "- playwright (removed)\n+ pw (added)\n",
	} {
		if r := e.must(1, "diff", "--host", host, "--servers", "--exit-code"); r.stdout != want {
			t.Errorf("%s --servers: %q, want %q", host, r.stdout, want)
		}
		r := e.must(1, "diff", "--host", host, "--exit-code")
		if strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stderr, "SECRET") || !strings.Contains(r.stdout, "***") {
			t.Errorf("%s diff shows a secret or masks nothing:\n%s", host, r)
		}
	}
	r = e.must(0, "diff", "--host", "goose")
	for _, s := range []string{"GITHUB_PERSONAL_ACCESS_TOKEN: ***", "+  fetch:", "+    cmd: uvx"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("goose diff lacks %q:\n%s", s, r.stdout)
		}
	}
	// Theme changed but no server: zed's diff --servers says so by exit 0
	// once the server is back as it was.
	write("zed", "// Zed settings\n{\n  \"theme\": \"One Light\",\n  \"context_servers\": {\n    \"hexdocs\": {\"source\": \"custom\", \"command\": \"npx\", \"args\": [\"-y\", \"hexdocs-mcp\"], \"env\": {\"TOKEN\": \""+secretMarker+"\"}},\n  },\n  \"vim_mode\": true,\n}\n")
	if r := e.must(0, "diff", "--host", "zed", "--servers", "--exit-code"); r.stdout != "" {
		t.Errorf("zed, servers unchanged: %q", r.stdout)
	}
	e.must(1, "diff", "--host", "zed", "--exit-code")

	// A goose config that does not parse is backed up as it is, with a
	// warning that names the path, the line and the column, and no content.
	broken := "extensions:\n  github:\n    envs: {GITHUB_PERSONAL_ACCESS_TOKEN: " + secretMarker + "\n  fetch: {}\n"
	write("goose", broken)
	r = e.must(0, "create", "--host", "goose")
	if !strings.Contains(r.stderr, paths["goose"]) || !strings.Contains(r.stderr, "does not parse as yaml at line 4, column 3") ||
		strings.Contains(r.stderr, "SECRET") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("warning: %s", r)
	}
	if got, _ := os.ReadFile(strings.TrimSpace(r.stdout)); string(got) != broken {
		t.Error("the unparsable goose config was not backed up byte for byte")
	}
	r = e.must(1, "diff", "--host", "goose", "--timestamp", e.listJSON("--host", "goose")[1].Timestamp, "--exit-code")
	if strings.Contains(r.stdout, "SECRET") {
		t.Errorf("diff of an unparsable YAML config shows the secret:\n%s", r.stdout)
	}
}
