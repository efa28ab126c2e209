package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// hostTool finds a host's own CLI (gemini, codex from npm): on PATH, in
// $HATCH_TEST_NODE_BIN, or in the cache folder .ci/run installs them to.
// The test is skipped when it is not there.
func hostTool(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the host CLIs run on Unix in CI")
	}
	if testing.Short() {
		t.Skip("the host CLIs take seconds to start; -short skips them")
	}
	var dirs []string
	if d := os.Getenv("HATCH_TEST_NODE_BIN"); d != "" {
		dirs = append(dirs, d)
	}
	if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "hatch-backup-ci", "node_modules", ".bin"))
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("%s CLI not installed (npm); skipping", name)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// tool runs a host CLI under the test's fake HOME; it must succeed.
func (e *testEnv) tool(bin string, args ...string) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = e.vars, e.home
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("%s %v: %v\n%s", filepath.Base(bin), args, err, out)
	}
	return string(out)
}

// TestE2ERealGemini: Gemini CLI's own `mcp remove` loses a server; restore
// --servers puts it back beside the one Gemini added since, and Gemini
// lists both.
func TestE2ERealGemini(t *testing.T) {
	gemini := hostTool(t, "gemini")
	e := newEnv(t)
	e.tool(gemini, "mcp", "add", "alpha", "node", "/nonexistent/alpha.js", "--scope", "user")
	e.must(0, "create", "--host", "gemini")
	e.tool(gemini, "mcp", "remove", "alpha", "--scope", "user")
	e.tool(gemini, "mcp", "add", "beta", "node", "/nonexistent/beta.js", "--scope", "user")
	r := e.must(0, "restore", "--host", "gemini", "--servers")
	if !strings.Contains(r.stdout, `server "alpha"`) {
		t.Fatalf("restore: %s", r)
	}
	list := e.tool(gemini, "mcp", "list")
	if !strings.Contains(list, "alpha") || !strings.Contains(list, "beta") {
		t.Fatalf("gemini mcp list after restore:\n%s", list)
	}
}

// TestE2ERealCodex: Codex CLI removes a server and adds another; restore
// --servers puts the lost table back and Codex reads all of them.
func TestE2ERealCodex(t *testing.T) {
	codex := hostTool(t, "codex")
	e := newEnv(t)
	e.tool(codex, "mcp", "add", "alpha", "--env", "API_KEY="+secretMarker, "--", "node", "alpha.js")
	e.tool(codex, "mcp", "add", "beta", "--", "node", "beta.js")
	e.must(0, "create", "--host", "codex")
	e.tool(codex, "mcp", "remove", "alpha")
	e.tool(codex, "mcp", "add", "gamma", "--", "node", "gamma.js")
	p := filepath.Join(e.home, ".codex", "config.toml")
	before, _ := os.ReadFile(p)
	r := e.must(0, "restore", "--host", "codex", "--servers", "--json")
	var out struct {
		RestoredServers []string `json:"restored_servers"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || strings.Join(out.RestoredServers, ",") != "alpha" {
		t.Fatalf("restore: %v %s", err, r)
	}
	after, _ := os.ReadFile(p)
	if !strings.HasPrefix(string(after), strings.TrimRight(string(before), "\n")) {
		t.Errorf("the rest of the config changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	list := e.tool(codex, "mcp", "list")
	for _, name := range []string{"alpha", "beta", "gamma"} {
		if !strings.Contains(list, name) {
			t.Fatalf("codex mcp list lacks %s:\n%s", name, list)
		}
	}
}
