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

	"github.com/hatch-backup/hatch-backup/store"
)

// TestReindexPythonHatchStore: a store written by Python Hatch (plain
// files of every name pattern, mode 0644, no index) is adopted by reindex,
// names read as local time, and then lists and restores.
func TestReindexPythonHatchStore(t *testing.T) {
	e := newEnv(t)
	e.vars = append(e.vars, "TZ=America/New_York")
	dir := filepath.Join(e.root, "claude-desktop")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"mcpServers": {"old": {"env": {"K": "` + secretMarker + `"}}}}`)
	names := []string{
		"mcp.json.claude-desktop.20250921_100000_123456",
		"claude_desktop_config.json.claude-desktop.20250920_090000_000001",
		"mcp.json.MCPHostType.CLAUDE_DESKTOP.20250919_080000_000000",
		"mcp.json.MCPHostType.CLAUDE-DESKTOP.20250918_070000_000000",
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := e.must(0, "reindex", "--json")
	var res reindexJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || len(res.Adopted) != len(names) {
		t.Fatalf("reindex: %v %s", err, r)
	}
	// Names are local time: 10:00 in New York is 14:00 UTC. Windows
	// programs ignore TZ and use the machine's zone, as this test does.
	want := "2025-09-21T14:00:00.123456Z"
	if runtime.GOOS == "windows" {
		want = time.Date(2025, 9, 21, 10, 0, 0, 123456000, time.Local).UTC().Format(time.RFC3339Nano)
	}
	list := e.listJSON()
	if len(list) != len(names) || list[0].Timestamp != "20250921_100000_123456" || list[0].Created != want {
		t.Fatalf("adopted (want created %s): %+v", want, list)
	}
	if runtime.GOOS != "windows" {
		for _, n := range names {
			if m := mode(t, filepath.Join(dir, n)); m != 0o600 {
				t.Errorf("%s: mode %v after reindex, want 0600", n, m)
			}
		}
	}
	for _, b := range list {
		to := filepath.Join(e.home, "restored-"+b.Timestamp+".json")
		e.must(0, "restore", "--host", "claude-desktop", "--timestamp", b.Timestamp, "--to", to)
		if got, _ := os.ReadFile(to); !bytes.Equal(got, data) {
			t.Errorf("%s did not restore", b.Timestamp)
		}
	}
	e.must(0, "verify")
}

// withBackup is a fake user whose config c.json has one backup (cursor);
// it returns the config's path.
func withBackup(t *testing.T) (*testEnv, string) {
	t.Helper()
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "one", 0o600)
	e.must(0, "create", "--host", "cursor", "--config", cfg)
	return e, cfg
}

// TestNewerSchemaRefused: an index written by a newer hatch-backup is
// refused by every command with exit 3 and a message saying so, and is
// left exactly as it was.
func TestNewerSchemaRefused(t *testing.T) {
	e, cfg := withBackup(t)
	if err := store.WriteNewerSchema(e.root, time.Second); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, e.root)
	for _, args := range [][]string{
		{"create", "--host", "cursor", "--config", cfg},
		{"list"},
		{"restore", "--host", "cursor", "--to", cfg},
		{"reindex"},
	} {
		r := e.must(exitIntegrity, args...)
		if !strings.Contains(r.stderr, "newer hatch-backup") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%v: want one line naming a newer hatch-backup, got %q", args, r.stderr)
		}
	}
	r := e.must(exitIntegrity, "verify")
	if !strings.Contains(r.stdout, "index-newer-schema") {
		t.Errorf("verify: %s", r)
	}
	sameSnapshot(t, "commands on a newer index", before, snapshot(t, e.root))
}
