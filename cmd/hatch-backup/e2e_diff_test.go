package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// diffSecrets: one secret per shape that diff once printed in the clear.
// Each is unlike an API key, so it is the rule that masks it, not the key
// shape.
var diffSecrets = []string{
	"E1-dash-e-value", "E2-pg-password", "E3-web-password", "E4-query-api-key", "E5-query-token",
	"E6-password-flag", "E7-api-key-flag", "E8-token-two-args", "E9-env-value", "E10-cert-line-one",
	"E11-cert-line-two", "E12-header-value",
}

// shapeServerJSON is a server holding every secret shape, as JSON; tag
// makes the secrets of one version differ from another's.
func shapeServerJSON(tag string) string {
	s := func(i int) string { return diffSecrets[i] + tag }
	return fmt.Sprintf(`{"command": "docker", "args": ["run", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN=%s", "postgresql://admin:%s@db.local/app",`+
		` "--password=%s", "--api-key=%s", "--token", "%s"], "env": {"CERT": "%s\n%s", "PLAIN": "%s"},`+
		` "url": "https://user:%s@h.example.com/mcp?api_key=%s&x=1&token=%s", "headers": {"X-Team": "%s"}}`,
		s(0), s(1), s(5), s(6), s(7), s(9), s(10), s(8), s(2), s(3), s(4), s(11))
}

// shapeConfigs returns the config of cursor (JSON), vscode (JSONC: the
// secrets repeated in comments) and codex (TOML: comments, an env table,
// a multi-line string under env).
func shapeConfigs(tag string) map[string]string {
	s := func(i int) string { return diffSecrets[i] + tag }
	all := strings.Join(diffSecrets, tag+" ") + tag
	return map[string]string{
		"cursor": "{\n  \"mcpServers\": {\n    \"srv\": " + shapeServerJSON(tag) + "\n  }\n}\n",
		"vscode": "{\n  // old: " + all + "\n  \"servers\": {\n    \"srv\": " + shapeServerJSON(tag) + ",\n    /* " + all + " */\n  },\n}\n",
		"codex": "# old: " + all + "\n[mcp_servers.srv]\ncommand = \"docker\"\n" +
			fmt.Sprintf("args = [\"run\", \"-e\", \"GITHUB_PERSONAL_ACCESS_TOKEN=%s\", \"postgresql://admin:%s@db.local/app\", \"--password=%s\", \"--api-key=%s\", \"--token\", \"%s\"]\n", s(0), s(1), s(5), s(6), s(7)) +
			fmt.Sprintf("url = \"https://user:%s@h.example.com/mcp?api_key=%s&x=1&token=%s\"\nhttp_headers = { \"X-Team\" = \"%s\" }\n", s(2), s(3), s(4), s(11)) +
			fmt.Sprintf("\n[mcp_servers.srv.env]\nPLAIN = \"%s\"\nCERT = \"\"\"\n%s\n%s\n\"\"\"\n", s(8), s(9), s(10)),
	}
}

// TestDiffShowsNoSecret: diff, plain and --json, on configs holding every
// secret shape in JSON, JSONC and TOML, changed between backup and now,
// prints none of them on stdout or stderr.
func TestDiffShowsNoSecret(t *testing.T) {
	e := newEnv(t)
	paths := e.configs()
	write := func(tag, broken string) {
		for host, data := range shapeConfigs(tag) {
			if err := os.WriteFile(paths[host], []byte(data+broken), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("-old", "")
	e.must(0, "create", "--all")
	write("-new", "")
	checkDiffMasked(t, e)
	// The current configs no longer parse: masked by the scan and by
	// shape, the copies in comments too.
	write("-new2", "\n= {[\n")
	checkDiffMasked(t, e, "--servers")
}

// checkDiffMasked runs diff on each shapeConfigs host, plain and --json
// (with --servers too unless skipped), and fails t when a secret shows.
func checkDiffMasked(t *testing.T, e *testEnv, skip ...string) {
	t.Helper()
	for host := range shapeConfigs("") {
		for _, args := range [][]string{{}, {"--json"}, {"--servers"}, {"--json", "--servers"}} {
			if len(skip) > 0 && len(args) > 0 && args[len(args)-1] == skip[0] {
				continue
			}
			r := e.must(0, append([]string{"diff", "--host", host}, args...)...)
			for _, s := range diffSecrets {
				if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
					t.Errorf("%s %v shows %s:\n%s", host, args, s, r)
				}
			}
			if len(args) == 1 && args[0] == "--json" {
				var dj diffJSON
				if err := json.Unmarshal([]byte(r.stdout), &dj); err != nil || dj.Diff == nil || !strings.Contains(*dj.Diff, "@@") || !strings.Contains(*dj.Diff, "***") {
					t.Errorf("%s --json carries no masked diff: %v\n%s", host, err, r)
				}
			}
			if len(args) == 0 && !strings.Contains(r.stdout, "db.local/app") {
				t.Errorf("%s: the diff lost the text around the secrets:\n%s", host, r)
			}
		}
	}
}

// TestDiffServersExitCode: with --servers, --exit-code says whether the
// servers differ; bytes elsewhere in the file do not count.
func TestDiffServersExitCode(t *testing.T) {
	e := newEnv(t)
	paths := e.configs()
	e.must(0, "create", "--all")
	// Only non-server bytes change.
	os.WriteFile(paths["cursor"], append(e.writeConfig(paths["cursor"], "one", 0o600), []byte("\n\n")...), 0o600)
	os.WriteFile(paths["codex"], []byte("model = \"o3\"\n\n[mcp_servers.fs]\ncommand = \"npx\"\n\n[mcp_servers.fs.env]\nAPI_KEY = \""+secretMarker+"\"\n"), 0o600)
	for _, host := range []string{"cursor", "codex"} {
		e.must(1, "diff", "--host", host, "--exit-code")
		if r := e.must(0, "diff", "--host", host, "--servers", "--exit-code"); r.stdout != "" {
			t.Errorf("%s: %s", host, r)
		}
		r := e.must(0, "diff", "--host", host, "--servers", "--exit-code", "--json")
		var dj diffJSON
		if err := json.Unmarshal([]byte(r.stdout), &dj); err != nil || !dj.Differs || len(dj.Servers) != 0 || dj.Diff != nil {
			t.Errorf("%s --json: %v %s", host, err, r)
		}
	}
	// A server changes: exit 1.
	e.writeConfig(paths["cursor"], "two", 0o600)
	if r := e.must(1, "diff", "--host", "cursor", "--servers", "--exit-code"); r.stdout != "+ two (added)\n- one (removed)\n" && r.stdout != "- one (removed)\n+ two (added)\n" {
		t.Errorf("server changed: %s", r)
	}
}
