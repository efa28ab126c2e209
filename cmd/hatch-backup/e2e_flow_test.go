package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestCreateListRestore walks the main job end to end: back up a host's
// usual config, list it, break the config, restore it.
func TestCreateListRestore(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	orig := e.writeConfig(cfg, "one", 0o640)

	r := e.must(0, "create", "--host", "cursor")
	path := strings.TrimSpace(r.stdout)
	if dir := filepath.Join(e.root, "cursor"); filepath.Dir(path) != dir {
		t.Fatalf("backup %s not in %s", path, dir)
	}
	if !strings.HasPrefix(filepath.Base(path), "mcp.json.cursor.") {
		t.Errorf("backup name %s", filepath.Base(path))
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, orig) {
		t.Fatalf("backup bytes differ from the config")
	}
	for p, want := range map[string]os.FileMode{e.root: 0o700, filepath.Dir(path): 0o700, path: 0o600, filepath.Join(e.root, "index.db"): 0o600} {
		if m := mode(t, p); unixModes && m != want {
			t.Errorf("mode of %s: %v, want %v", p, m, want)
		}
	}

	list := e.listJSON()
	if len(list) != 1 {
		t.Fatalf("list: %d backups, want 1", len(list))
	}
	b := list[0]
	if b.Hostname != "cursor" || b.FilePath != path || b.FileSize != int64(len(orig)) || b.OriginalSize != int64(len(orig)) ||
		b.OriginalConfigPath == nil || *b.OriginalConfigPath != cfg || b.Compression != "none" || len(b.SHA256) != 64 {
		t.Errorf("list --json: %+v", b)
	}
	if _, err := time.Parse(time.RFC3339, b.Created); err != nil || !strings.HasSuffix(b.Created, "Z") {
		t.Errorf("created %q is not RFC 3339 UTC", b.Created)
	}
	if !strings.HasSuffix(path, b.Timestamp) {
		t.Errorf("timestamp %s is not the name's", b.Timestamp)
	}
	table := e.must(0, "list").stdout
	if !strings.Contains(table, "HOST") || !strings.Contains(table, b.Timestamp) {
		t.Errorf("list table:\n%s", table)
	}

	broken := []byte(`{"mcpServers": {}}`)
	os.WriteFile(cfg, broken, 0o640)
	r = e.must(0, "restore", "--host", "cursor", "--dry-run")
	if !strings.Contains(r.stdout, "content differs") || !strings.Contains(r.stdout, cfg) {
		t.Errorf("dry run output: %s", r.stdout)
	}
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, broken) {
		t.Fatal("dry run changed the config")
	}
	if n := len(e.listJSON()); n != 1 {
		t.Fatalf("dry run made a backup: %d backups", n)
	}

	r = e.must(0, "restore", "--host", "cursor", "--json")
	var res restoreJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("restore --json: %v\n%s", err, r.stdout)
	}
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, orig) {
		t.Fatal("restore did not bring the bytes back")
	}
	if m := mode(t, cfg); unixModes && m != 0o640 {
		t.Errorf("restore changed the config's mode to %v", m)
	}
	if !res.Success || res.DryRun || !res.Changed || res.Target != cfg || res.Restored.Timestamp != b.Timestamp || res.SafetyBackup == nil {
		t.Fatalf("restore --json: %+v", res)
	}
	if safety, _ := os.ReadFile(res.SafetyBackup.FilePath); !bytes.Equal(safety, broken) {
		t.Errorf("safety backup does not hold the previous content")
	}
	if n := len(e.listJSON("--host", "cursor")); n != 2 {
		t.Errorf("after restore: %d backups, want 2 (the safety backup)", n)
	}
}

func TestRestoreByTimestampToAndNoBackup(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".gemini", "settings.json")
	v1 := e.writeConfig(cfg, "v1", 0o600)
	e.must(0, "create", "--host", "gemini")
	v2 := e.writeConfig(cfg, "v2", 0o600)
	e.must(0, "create", "--host", "gemini", "--compress")
	list := e.listJSON("--host", "gemini")
	if len(list) != 2 || list[0].Compression != "zstd" || !strings.HasSuffix(list[0].FilePath, ".zst") {
		t.Fatalf("list: %+v", list)
	}
	first := list[1]

	e.must(0, "restore", "--host", "gemini", "--timestamp", first.Timestamp, "--no-backup")
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, v1) {
		t.Fatal("restore --timestamp did not restore the first backup")
	}
	if n := len(e.listJSON()); n != 2 {
		t.Errorf("--no-backup made a backup: %d", n)
	}
	e.must(0, "restore", "--host", "gemini")
	if got, _ := os.ReadFile(cfg); !bytes.Equal(got, v2) {
		t.Fatal("restore of the latest (compressed) backup did not restore it")
	}
	// The safety backup of v1 is now the newest; restoring v2 by its
	// timestamp again finds nothing to change.
	r := e.must(0, "restore", "--host", "gemini", "--timestamp", list[0].Timestamp)
	if !strings.Contains(r.stdout, "nothing to do") {
		t.Errorf("restore of identical content: %s", r.stdout)
	}

	other := filepath.Join(e.home, "elsewhere.json")
	e.must(0, "restore", "--host", "gemini", "--timestamp", first.Timestamp, "--to", other)
	if got, _ := os.ReadFile(other); !bytes.Equal(got, v1) {
		t.Fatal("restore --to did not write the backup there")
	}
	if m := mode(t, other); unixModes && m != 0o600 {
		t.Errorf("new --to target has mode %v, want 0600", m)
	}
}

func TestRestoreThroughSymlink(t *testing.T) {
	e := newEnv(t)
	real := filepath.Join(e.home, "dotfiles", "mcp.json")
	orig := e.writeConfig(real, "linked", 0o644)
	link := filepath.Join(e.home, ".cursor", "mcp.json")
	os.MkdirAll(filepath.Dir(link), 0o755)
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Readlink(link); err != nil && runtime.GOOS == "windows" {
		t.Skipf("no usable symlinks here (Wine makes none): %v", err)
	}
	e.must(0, "create", "--host", "cursor")
	os.WriteFile(real, []byte("{}"), 0o644)
	e.must(0, "restore", "--host", "cursor")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the config is no longer a symlink: %v", err)
	}
	if got, _ := os.ReadFile(real); !bytes.Equal(got, orig) {
		t.Fatal("restore did not write through the symlink")
	}
	if m := mode(t, real); unixModes && m != 0o644 {
		t.Errorf("restore changed the linked file's mode to %v", m)
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	cfgs := map[string]string{
		"cursor":   filepath.Join(e.home, ".cursor", "mcp.json"),
		"lmstudio": filepath.Join(e.home, ".lmstudio", "mcp.json"),
	}
	for host, p := range cfgs {
		e.writeConfig(p, host, 0o600)
	}
	for range 3 {
		e.must(0, "create", "--host", "cursor")
		e.must(0, "create", "--host", "lmstudio")
	}
	all := e.listJSON()
	if len(all) != 6 {
		t.Fatalf("list: %d backups, want 6", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].Created < all[i].Created {
			t.Fatalf("list not newest first: %s before %s", all[i-1].Created, all[i].Created)
		}
	}
	cursor := e.listJSON("--host", "cursor")
	if len(cursor) != 3 {
		t.Fatalf("--host cursor: %d", len(cursor))
	}
	for _, b := range cursor {
		if b.Hostname != "cursor" {
			t.Errorf("--host cursor listed %s", b.Hostname)
		}
	}
	mid := cursor[1].Timestamp
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"--host", "cursor", "--since", mid}, 2},
		{[]string{"--host", "cursor", "--until", mid}, 2},
		{[]string{"--host", "cursor", "--since", mid, "--until", mid}, 1},
		{[]string{"--host", "cursor", "--host", "lmstudio"}, 6},
		{[]string{"--limit", "4"}, 4},
		{[]string{"--limit", "0"}, 6},
		{[]string{"--since", "1h"}, 6},
		{[]string{"--until", "1h"}, 0},
		{[]string{"--since", time.Now().Format(time.DateOnly)}, 6},
		{[]string{"--until", time.Now().AddDate(0, 0, -1).Format(time.DateOnly)}, 0},
		{[]string{"--since", time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, 0},
		{[]string{"--host", "vscode"}, 0},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			if got := len(e.listJSON(c.args...)); got != c.want {
				t.Errorf("list %v: %d backups, want %d", c.args, got, c.want)
			}
		})
	}
}

func TestGlobalFlagsAnywhereAndEnv(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "x", 0o600)
	rootA := filepath.Join(e.home, "a")
	e.must(0, "--root", rootA, "create", "--host", "kiro", "--config", cfg)
	e.must(0, "create", "--host", "kiro", "--config", cfg, "--root", rootA)
	if n := len(e.listJSON("--root", rootA)); n != 2 {
		t.Fatalf("--root before and after the command: %d backups in %s, want 2", n, rootA)
	}
	rootB := filepath.Join(e.home, "b")
	e.vars = append(e.vars, "HATCH_BACKUP_DIR="+rootB)
	e.must(0, "create", "--host", "kiro", "--config", cfg)
	if n := len(e.listJSON()); n != 1 {
		t.Fatalf("HATCH_BACKUP_DIR: %d backups", n)
	}
	e.vars = e.vars[:len(e.vars)-1]
	e.vars = append(e.vars, "HATCH_HOME="+filepath.Join(e.home, "hh"))
	e.must(0, "create", "--host", "kiro", "--config", cfg)
	if _, err := os.Stat(filepath.Join(e.home, "hh", "mcp_host_config_backups", "kiro")); err != nil {
		t.Fatalf("HATCH_HOME not honoured: %v", err)
	}
}

func TestVersion(t *testing.T) {
	e := newEnv(t)
	r := e.must(0, "version")
	if !strings.Contains(r.stdout, "hatch-backup ") || !strings.Contains(r.stdout, "index schema ") {
		t.Errorf("version: %s", r.stdout)
	}
	var v struct {
		Version string `json:"version"`
		Schema  int    `json:"schema"`
	}
	if err := json.Unmarshal([]byte(e.must(0, "version", "--json").stdout), &v); err != nil || v.Schema < 1 || v.Version == "" {
		t.Errorf("version --json: %+v %v", v, err)
	}
}

// TestAdoptPythonHatchStore opens a backup folder written by Python Hatch
// (no index, mode 0644 files): the first command builds the index.
func TestAdoptPythonHatchStore(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.root, "claude-desktop")
	os.MkdirAll(dir, 0o755)
	old := filepath.Join(dir, "mcp.json.claude-desktop.20250921_100000_123456")
	data := []byte(`{"mcpServers": {"old": {"env": {"K": "` + secretMarker + `"}}}}`)
	os.WriteFile(old, data, 0o644)
	legacy := filepath.Join(dir, "claude_desktop_config.json.claude-desktop.20250920_090000_000001")
	os.WriteFile(legacy, []byte("{}"), 0o644)

	r := e.must(0, "list", "--json")
	if !strings.Contains(r.stderr, "built one") {
		t.Errorf("no notice about building the index: %q", r.stderr)
	}
	list := e.listJSON()
	if len(list) != 2 || list[0].Timestamp != "20250921_100000_123456" || list[0].OriginalConfigPath != nil {
		t.Fatalf("adopted: %+v", list)
	}
	if m := mode(t, old); unixModes && m != 0o600 {
		t.Errorf("adopted file mode %v, want 0600", m)
	}
	if m := mode(t, dir); unixModes && m != 0o700 {
		t.Errorf("adopted folder mode %v, want 0700", m)
	}
	r = e.must(2, "restore", "--host", "claude-desktop")
	if !strings.Contains(r.stderr, "--to") || !strings.Contains(r.stderr, "claude_desktop_config.json") {
		t.Errorf("restore of an adopted backup without --to: %s", r.stderr)
	}
	to := filepath.Join(e.home, "restored.json")
	e.must(0, "restore", "--host", "claude-desktop", "--to", to)
	if got, _ := os.ReadFile(to); !bytes.Equal(got, data) {
		t.Fatal("adopted backup did not restore")
	}
}
