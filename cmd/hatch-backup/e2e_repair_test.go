package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2ERestoreServers: Claude Code empties its servers (user scope and a
// project's) while writing newer state; restore --servers puts back the
// servers only, by name in the output, never values.
func TestE2ERestoreServers(t *testing.T) {
	e := newEnv(t)
	p := filepath.Join(e.home, ".claude.json")
	good := `{
  "numStartups": 3,
  "mcpServers": {
    "github": {"command": "npx", "env": {"GITHUB_TOKEN": "` + secretMarker + `"}},
    "fs": {"command": "fs"}
  },
  "projects": {
    "/src/app": {"mcpServers": {"db": {"command": "db"}}, "allowedTools": []}
  }
}
`
	os.WriteFile(p, []byte(good), 0o600)
	e.must(0, "create", "--host", "claude-code")
	lost := `{
  "numStartups": 42,
  "mcpServers": {},
  "projects": {
    "/src/app": {"mcpServers": {}, "allowedTools": ["Bash"]}
  },
  "userID": "abc"
}
`
	os.WriteFile(p, []byte(lost), 0o600)
	e.must(0, "create", "--host", "claude-code") // watch would have taken this

	r := e.must(0, "restore", "--host", "claude-code", "--servers", "--dry-run")
	if !strings.Contains(r.stdout, `"fs", "github"`) || !strings.Contains(r.stdout, "would put back") {
		t.Fatalf("dry run: %s", r)
	}
	if now, _ := os.ReadFile(p); string(now) != lost {
		t.Fatal("dry run changed the config")
	}
	r = e.must(0, "restore", "--host", "claude-code", "--servers", "--json")
	var out struct {
		Success         bool        `json:"success"`
		Changed         bool        `json:"changed"`
		Target          string      `json:"target"`
		RestoredServers []string    `json:"restored_servers"`
		SafetyBackup    *backupJSON `json:"safety_backup"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if !out.Success || !out.Changed || strings.Join(out.RestoredServers, ",") != "fs,github" || out.SafetyBackup == nil || !out.SafetyBackup.Safety {
		t.Fatalf("json: %+v", out)
	}
	now, _ := os.ReadFile(p)
	for _, kept := range []string{`"numStartups": 42`, `"userID": "abc"`, `"allowedTools": ["Bash"]`, secretMarker} {
		if !strings.Contains(string(now), kept) {
			t.Fatalf("%s missing from\n%s", kept, now)
		}
	}
	// The project's servers.
	r = e.must(0, "restore", "--host", "claude-code", "--project", "/src/app")
	if !strings.Contains(r.stdout, `server "db"`) {
		t.Fatalf("project: %s", r)
	}
	now, _ = os.ReadFile(p)
	if !strings.Contains(string(now), `"/src/app": {"mcpServers": {
      "db": {"command": "db"}
    }, "allowedTools": ["Bash"]}`) {
		t.Fatalf("project servers:\n%s", now)
	}
	// Nothing left to put back: exit 10, nothing changed.
	before := snapshot(t, e.home)
	e.must(10, "restore", "--host", "claude-code", "--servers")
	sameSnapshot(t, "nothing to restore", before, snapshot(t, e.home))
}

// TestE2ERestoreServersRefuses: a config that does not parse is exit 3
// with the hint to restore the whole file; an unknown server is exit 10;
// nothing changes on disk.
func TestE2ERestoreServersRefuses(t *testing.T) {
	e := newEnv(t)
	p := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(p, "github", 0o600)
	e.must(0, "create", "--host", "cursor")
	os.WriteFile(p, []byte(`{"mcpServers": {"a": `), 0o600)
	before := snapshot(t, e.home)
	r := e.must(3, "restore", "--host", "cursor", "--servers")
	if !strings.Contains(r.stderr, "restore the whole file") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("unparsable: %s", r)
	}
	sameSnapshot(t, "unparsable", before, snapshot(t, e.home))
	os.WriteFile(p, []byte(`{}`), 0o600)
	before = snapshot(t, e.home)
	e.must(10, "restore", "--host", "cursor", "--server", "nope")
	sameSnapshot(t, "unknown server", before, snapshot(t, e.home))
}

// TestE2ERestoreServersTOML: Codex dropped a [mcp_servers.*] table; it
// comes back and the other tables and comments stay byte for byte.
func TestE2ERestoreServersTOML(t *testing.T) {
	e := newEnv(t)
	p := filepath.Join(e.home, ".codex", "config.toml")
	os.MkdirAll(filepath.Dir(p), 0o700)
	os.WriteFile(p, []byte("model = \"o3\"\n\n[mcp_servers.github]\ncommand = \"npx\"\n\n[mcp_servers.github.env]\nGITHUB_TOKEN = \""+secretMarker+"\"\n"), 0o600)
	e.must(0, "create", "--host", "codex")
	lost := "# my settings\nmodel = \"gpt-5\" # newer\n\n[tui]\nnotifications = true\n"
	os.WriteFile(p, []byte(lost), 0o600)
	e.must(0, "restore", "--host", "codex", "--servers", "--server", "github")
	now, _ := os.ReadFile(p)
	want := lost + "\n[mcp_servers.github]\ncommand = \"npx\"\n\n[mcp_servers.github.env]\nGITHUB_TOKEN = \"" + secretMarker + "\"\n"
	if string(now) != want {
		t.Fatalf("got\n%s", now)
	}
}

// TestE2EImport: import --dry-run on a new store changes nothing; import
// adopts Claude Code's copies and a manager's .bak, leaves them as they
// are, lists them, and a second run adopts nothing.
func TestE2EImport(t *testing.T) {
	e := newEnv(t)
	rot := filepath.Join(e.home, ".claude", "backups", ".claude.json.backup.1")
	e.writeConfig(rot, "old", 0o600)
	corrupted := filepath.Join(e.home, ".claude.json.corrupted.1767225600")
	os.WriteFile(corrupted, []byte(`{"mcpServers": {"x": {"env": {"K": "`+secretMarker+`"`), 0o600)
	bak := filepath.Join(e.home, ".cursor", "mcp.json.bak")
	e.writeConfig(bak, "managed", 0o600)
	before := snapshot(t, e.home)

	r := e.must(0, "import", "--dry-run", "--json")
	sameSnapshot(t, "import --dry-run", before, snapshot(t, e.home))
	var dry importJSON
	if err := json.Unmarshal([]byte(r.stdout), &dry); err != nil || len(dry.Adopted) != 3 || len(dry.Skipped) != 0 || !dry.DryRun {
		t.Fatalf("dry run: %v %s", err, r)
	}
	r = e.must(0, "import", "--json")
	var res importJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Adopted) != 3 {
		t.Fatalf("import: %v %s", err, r)
	}
	for _, c := range res.Adopted {
		if c.Backup == nil || c.Backup.OriginalConfigPath == nil {
			t.Fatalf("adopted without a backup: %+v", c)
		}
		wantParsed := c.Path != corrupted
		if c.Backup.Parsed == nil || *c.Backup.Parsed != wantParsed {
			t.Errorf("%s: parsed %v", c.Path, c.Backup.Parsed)
		}
	}
	after := snapshot(t, e.home)
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed", p)
		}
	}
	if got := len(e.listJSON()); got != 3 {
		t.Fatalf("list: %d backups", got)
	}
	r = e.must(0, "import")
	if !strings.Contains(r.stdout, "0 adopted, 3 skipped") {
		t.Fatalf("second run: %s", r)
	}
	e.must(0, "verify")
}

// TestE2EListNoticesHatch: after Python Hatch adds a backup file, list
// says on stderr which folder changed and to run reindex; after reindex
// the backup lists and the notice is gone.
func TestE2EListNoticesHatch(t *testing.T) {
	e := newEnv(t)
	p := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(p, "a", 0o600)
	e.must(0, "create", "--host", "cursor")
	if r := e.must(0, "list"); r.stderr != "" {
		t.Fatalf("untouched: %s", r)
	}
	dir := filepath.Join(e.root, "cursor")
	os.WriteFile(filepath.Join(dir, "mcp.json.cursor.20260101_000000_000000"), []byte(`{"mcpServers": {}}`), 0o600)
	later := time.Now().Add(time.Minute)
	os.Chtimes(dir, later, later)
	r := e.must(0, "list")
	if !strings.Contains(r.stderr, dir) || !strings.Contains(r.stderr, "hatch-backup reindex") {
		t.Fatalf("no notice: %s", r)
	}
	e.must(0, "reindex")
	r = e.must(0, "list", "--json")
	if r.stderr != "" || strings.Count(r.stdout, `"hostname"`) != 2 {
		t.Fatalf("after reindex: %s", r)
	}
}
