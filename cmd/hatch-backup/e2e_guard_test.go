//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func (e *testEnv) cursorPath() string { return filepath.Join(e.home, ".cursor", "mcp.json") }
func (e *testEnv) codexPath() string  { return filepath.Join(e.home, ".codex", "config.toml") }

func readOrEmpty(t *testing.T, p string) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGuardCommandThatDoesNotExist: exit 127, nothing changed, the
// change set recorded with nothing in it.
func TestGuardCommandThatDoesNotExist(t *testing.T) {
	e := newEnv(t)
	old := e.writeConfig(e.cursorPath(), "a", 0o600)
	r := e.must(127, "guard", "--", filepath.Join(e.home, "no-such-program"))
	if !strings.Contains(r.stderr, "no-such-program") || !strings.Contains(r.stderr, "cannot start") {
		t.Errorf("stderr: %s", r.stderr)
	}
	if readOrEmpty(t, e.cursorPath()) != string(old) {
		t.Error("config changed")
	}
	var runs []changeSetJSON
	if err := json.Unmarshal([]byte(e.must(0, "runs", "--json").stdout), &runs); err != nil || len(runs) != 1 || *runs[0].ExitCode != 127 || len(runs[0].Hosts) != 0 {
		t.Fatalf("runs: %+v, %v", runs, err)
	}
}

// TestGuardFailingCommandThenUndo: COMMAND's code passes through, the
// after backups are taken, the report names the servers, and undo puts
// back the changed config and removes the created one.
func TestGuardFailingCommandThenUndo(t *testing.T) {
	e := newEnv(t)
	old := e.writeConfig(e.cursorPath(), "a", 0o600)
	script := `printf '{"mcpServers": {"b": {"command": "x"}}}' > "$1" && mkdir -p "$(dirname "$2")" && printf '[mcp_servers.z]\ncommand = "y"\n' > "$2"; exit 7`
	r := e.run("guard", "--json", "--", "sh", "-c", script, "sh", e.cursorPath(), e.codexPath())
	if r.code != 7 {
		t.Fatalf("guard: %s", r)
	}
	var cs changeSetJSON
	if err := json.Unmarshal([]byte(r.stdout), &cs); err != nil {
		t.Fatalf("guard --json: %v\n%s", err, r.stdout)
	}
	if *cs.ExitCode != 7 || len(cs.Hosts) != 2 || cs.Hosts[0].Change != "changed" || cs.Hosts[1].Change != "created" ||
		strings.Join(cs.Hosts[0].Servers.Added, ",") != "b" || strings.Join(cs.Hosts[0].Servers.Removed, ",") != "a" {
		t.Fatalf("change set %+v", cs)
	}
	dry := e.must(0, "undo", "--dry-run")
	if !strings.Contains(dry.stdout, "would put back") || readOrEmpty(t, e.codexPath()) == "" {
		t.Fatalf("undo --dry-run: %s", dry)
	}
	e.must(0, "undo")
	if readOrEmpty(t, e.cursorPath()) != string(old) || readOrEmpty(t, e.codexPath()) != "" {
		t.Fatal("undo did not put the configs back")
	}
	// The created config was backed up before it was removed.
	if b := e.listJSON("--host", "codex"); len(b) != 2 || !b[0].Safety {
		t.Errorf("codex backups %+v", b)
	}
	// The undo of the undo.
	e.must(0, "undo")
	if !strings.Contains(readOrEmpty(t, e.codexPath()), "mcp_servers.z") {
		t.Fatal("a second undo did not redo")
	}
}

// TestUndoAfterALaterEdit: refused, naming the config, nothing changed;
// then --force.
func TestUndoAfterALaterEdit(t *testing.T) {
	e := newEnv(t)
	old := e.writeConfig(e.cursorPath(), "a", 0o600)
	e.must(0, "guard", "--host", "cursor", "--", "sh", "-c", `printf '{"mcpServers": {}}' > "$1"`, "sh", e.cursorPath())
	later := e.writeConfig(e.cursorPath(), "later", 0o600)
	before := snapshot(t, e.home)
	r := e.must(1, "undo")
	if !strings.Contains(r.stderr, e.cursorPath()) || !strings.Contains(r.stderr, "--force") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("refusal: %s", r)
	}
	sameSnapshot(t, "a refused undo", before, snapshot(t, e.home))
	e.must(0, "undo", "--force")
	if got := readOrEmpty(t, e.cursorPath()); got != string(old) {
		t.Fatalf("after --force: %q", got)
	}
	// The later edit is kept as a safety backup.
	found := false
	for _, b := range e.listJSON("--host", "cursor") {
		found = found || (b.Safety && b.OriginalSize == int64(len(later)))
	}
	if !found {
		t.Error("no safety backup of the later edit")
	}
}

// TestRunsMasksSecrets: a command line holding a key is recorded as
// given but shown masked.
func TestRunsMasksSecrets(t *testing.T) {
	e := newEnv(t)
	e.writeConfig(e.cursorPath(), "a", 0o600)
	e.must(0, "guard", "--", "sh", "-c", "true", "sh", "--api-key", secretMarker, "API_TOKEN="+secretMarker)
	r := e.must(0, "runs") // runCmd fails the test if the marker shows
	if !strings.Contains(r.stdout, "--api-key") {
		t.Errorf("runs: %s", r.stdout)
	}
	e.must(0, "runs", "--json", "--limit", "1")
}
