package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// future2099 is the timestamp Python Hatch gives a backup on a machine
// whose clock says 2099.
const future2099 = "20990101_000000_000000"

// dropFuture puts a Hatch-style backup dated 2099 into the host folder and
// adopts it with reindex; it returns the file's path.
func (e *testEnv) dropFuture(host string, data []byte) string {
	e.t.Helper()
	p := filepath.Join(e.root, host, "mcp.json."+host+"."+future2099)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		e.t.Fatal(err)
	}
	e.must(0, "reindex")
	return p
}

// latestOf is the timestamp hosts --json gives as host's latest backup.
func (e *testEnv) latestOf(host string) string {
	e.t.Helper()
	var hosts []struct {
		Hostname string      `json:"hostname"`
		Latest   *backupJSON `json:"latest"`
	}
	r := e.must(0, "hosts", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &hosts); err != nil {
		e.t.Fatalf("hosts --json: %v\n%s", err, r.stdout)
	}
	for _, h := range hosts {
		if h.Hostname == host && h.Latest != nil {
			return h.Latest.Timestamp
		}
	}
	return ""
}

// TestE2EFutureDated: a Hatch backup dated 2099, adopted by reindex, is
// listed with a mark in its place, warned about by verify (exit 0), and is
// never the latest: show, diff, hosts and restore take the real newest,
// and clean --keep-count 1 keeps the real newest and the 2099 file.
func TestE2EFutureDated(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "one", 0o600)
	e.must(0, "create", "--host", "cursor")
	two := e.writeConfig(cfg, "two", 0o600)
	real := strings.TrimSpace(e.must(0, "create", "--host", "cursor").stdout)
	future := e.dropFuture("cursor", []byte(`{"mcpServers": {"from-2099": {"command": "x"}}}`))

	r := e.must(0, "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], future2099) || !strings.HasSuffix(lines[1], "(future-dated)") ||
		strings.Contains(lines[2], "future") || strings.Contains(lines[3], "future") {
		t.Errorf("list does not mark the 2099 backup in its place:\n%s", r.stdout)
	}
	list := e.listJSON()
	if len(list) != 3 || !list[0].Future || list[0].FilePath != future || list[1].Future || list[1].FilePath != real {
		t.Errorf("list --json: %+v", list)
	}
	if raw := e.must(0, "list", "--json").stdout; strings.Count(raw, `"future":`) != 3 || strings.Count(raw, `"safety":false`) != 3 {
		t.Errorf("every backup object carries future and safety:\n%s", raw)
	}

	if got := e.must(0, "show", "--host", "cursor").stdout; got != string(two) {
		t.Errorf("show took another backup than the real newest: %q", got)
	}
	e.must(0, "diff", "--host", "cursor", "--exit-code") // the config is what the real newest holds
	if ts := e.latestOf("cursor"); ts != list[1].Timestamp {
		t.Errorf("hosts --json: latest %s, want %s", ts, list[1].Timestamp)
	}

	r = e.must(0, "verify")
	if !strings.Contains(r.stdout, "future-dated") || !strings.Contains(r.stdout, future) ||
		!strings.Contains(r.stdout, "no problems, 1 warning") {
		t.Errorf("verify does not name the 2099 backup:\n%s", r)
	}
	var v struct {
		Problems []problemJSON `json:"problems"`
		Warnings []problemJSON `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(e.must(0, "verify", "--json").stdout), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Problems) != 0 || len(v.Warnings) != 1 || v.Warnings[0].Kind != "future-dated" ||
		v.Warnings[0].Hostname != "cursor" || v.Warnings[0].Timestamp != future2099 || v.Warnings[0].Path != future {
		t.Errorf("verify --json: %+v", v)
	}

	e.must(0, "clean", "--keep-count", "1")
	for _, p := range []string{real, future} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("clean --keep-count 1 removed %s", p)
		}
	}
	if n := len(e.listJSON()); n != 2 {
		t.Errorf("%d backups after clean --keep-count 1, want the real newest and the 2099 one", n)
	}

	e.writeConfig(cfg, "three", 0o600)
	r = e.must(0, "restore", "--host", "cursor")
	if !strings.Contains(r.stdout, real) {
		t.Errorf("restore took another backup than %s:\n%s", real, r)
	}
	if got, _ := os.ReadFile(cfg); string(got) != string(two) {
		t.Errorf("restore wrote %q", got)
	}
}

// TestE2ESafetyBackups: restore, the app breaks its config again, restore
// again: the good backup goes back both times, the safety backups are
// marked in list, show takes what the file last looked like, and clean
// --keep-count 1 keeps the good backup.
func TestE2ESafetyBackups(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	good := e.writeConfig(cfg, "good", 0o600)
	goodPath := strings.TrimSpace(e.must(0, "create", "--host", "cursor").stdout)
	var broken []byte
	for _, tag := range []string{"broken-1", "broken-2"} {
		broken = e.writeConfig(cfg, tag, 0o600) // the app rewrote it at start
		var res restoreJSON
		if err := json.Unmarshal([]byte(e.must(0, "restore", "--host", "cursor", "--json").stdout), &res); err != nil {
			t.Fatal(err)
		}
		if res.Restored.FilePath != goodPath || res.SafetyBackup == nil || !res.SafetyBackup.Safety || res.Restored.Safety {
			t.Errorf("restore after %s: restored %s, safety backup %+v", tag, res.Restored.FilePath, res.SafetyBackup)
		}
		if got, _ := os.ReadFile(cfg); string(got) != string(good) {
			t.Fatalf("restore after %s wrote %q", tag, got)
		}
	}
	r := e.must(0, "list", "--host", "cursor")
	if n := strings.Count(r.stdout, "(safety backup)"); n != 2 {
		t.Errorf("list marks %d safety backups, want 2:\n%s", n, r.stdout)
	}
	if got := e.must(0, "show", "--host", "cursor").stdout; got != string(broken) {
		t.Errorf("show took %q, want the newest safety backup (what the file last held)", got)
	}

	e.must(0, "clean", "--keep-count", "1")
	if _, err := os.Stat(goodPath); err != nil {
		t.Fatalf("clean --keep-count 1 after a restore removed the good backup")
	}
	e.writeConfig(cfg, "broken-3", 0o600)
	e.must(0, "restore", "--host", "cursor")
	if got, _ := os.ReadFile(cfg); string(got) != string(good) {
		t.Errorf("restore after clean wrote %q", got)
	}
}
