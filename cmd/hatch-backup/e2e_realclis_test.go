//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// realCLI finds a host's own CLI where .ci/run installs it (npm, into
// the CI cache folder), else on PATH; the test skips without it.
func realCLI(t *testing.T, name string) string {
	t.Helper()
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "hatch-backup-ci", "node_modules", ".bin", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	t.Skipf("%s is not installed (.ci/run installs @google/gemini-cli and @openai/codex with npm into %s)", name, filepath.Join(cache, "hatch-backup-ci"))
	return ""
}

// TestGuardRealCLIs: the hosts' own CLIs add a server under guard (HOME
// is the test's: the real home is never touched), and undo takes it away.
func TestGuardRealCLIs(t *testing.T) {
	for _, c := range []struct {
		cli, host, server string
		args              []string
		config            func(e *testEnv) string
	}{
		{"codex", "codex", "hb-demo", []string{"mcp", "add", "hb-demo", "--", "npx", "-y", "hb-demo-server"},
			func(e *testEnv) string { return filepath.Join(e.home, ".codex", "config.toml") }},
		{"gemini", "gemini", "hb-demo", []string{"mcp", "add", "-s", "user", "hb-demo", "npx", "-y", "hb-demo-server"},
			func(e *testEnv) string { return filepath.Join(e.home, ".gemini", "settings.json") }},
	} {
		t.Run(c.cli, func(t *testing.T) {
			bin := realCLI(t, c.cli)
			e := newEnv(t)
			e.vars = append(e.vars, "NO_COLOR=1", "CI=1")
			cfg := c.config(e)
			r := e.run(append([]string{"guard", "--host", c.host, "--", bin}, c.args...)...)
			if r.code != 0 {
				t.Fatalf("guard -- %s: %s", c.cli, r)
			}
			if !strings.Contains(readOrEmpty(t, cfg), c.server) {
				t.Fatalf("%s wrote no server into %s", c.cli, cfg)
			}
			if !strings.Contains(r.stderr, c.host+": created") || !strings.Contains(r.stderr, "added: "+c.server) {
				t.Errorf("report: %s", r.stderr)
			}
			e.must(0, "undo")
			if _, err := os.Stat(cfg); !os.IsNotExist(err) {
				t.Errorf("undo left %s: %v", cfg, err)
			}
		})
	}
}
