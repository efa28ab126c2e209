//go:build !windows

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestControlCharactersEscaped: a path with an ESC or a newline in it is
// printed quoted, so it can neither drive the terminal nor forge a line
// of output; --json carries it exactly.
func TestControlCharactersEscaped(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.home, "evil\x1b[31mred\nforged line")
	cfg := filepath.Join(dir, "config.toml")
	e.writeConfig(cfg, "x", 0o600)
	e.vars = append(e.vars, "CODEX_HOME="+dir)
	check := func(args ...string) result {
		t.Helper()
		r := e.must(0, args...)
		for _, out := range []string{r.stdout, r.stderr} {
			if strings.Contains(out, "\x1b") || strings.Contains(out, "red\nforged") {
				t.Errorf("%v printed a control character raw:\n%q", args, out)
			}
		}
		return r
	}
	check("create", "--host", "codex")
	check("create", "--host", "codex", "--skip-unchanged")
	check("list")
	check("hosts")
	check("restore", "--host", "codex", "--dry-run")
	os.WriteFile(cfg, []byte("changed = 1\n"), 0o600)
	r := check("restore", "--host", "codex")
	if !strings.Contains(r.stdout, `\x1b[31mred\nforged line`) {
		t.Errorf("restore should name the target, escaped: %q", r.stdout)
	}
	var bs []backupJSON
	if err := json.Unmarshal([]byte(e.must(0, "list", "--json").stdout), &bs); err != nil {
		t.Fatal(err)
	}
	if len(bs) == 0 || bs[0].OriginalConfigPath == nil || *bs[0].OriginalConfigPath != cfg {
		t.Errorf("--json must carry the path exactly: %+v", bs)
	}
	// An error naming the path escapes it too.
	r = e.run("create", "--host", "cursor", "--config", filepath.Join(dir, "missing.json"))
	if r.code != 10 || strings.Contains(r.stderr, "\x1b") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("error line with a control character: %s", r)
	}
}
