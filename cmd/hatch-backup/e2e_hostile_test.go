package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRestoreIntoTheStoreRefused: restore --to a path inside the backup
// root (the index, a backup, the lock, the root, a new file in a host
// folder; by name, through .., through a symlinked folder or a symlinked
// file) is exit 2 with one line naming it, and nothing in the store or
// beside it changes: no safety backup, index and backups byte-identical.
func TestRestoreIntoTheStoreRefused(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	e.writeConfig(cfg, "a", 0o600)
	backup := strings.TrimSpace(e.must(0, "create", "--host", "cursor", "--config", cfg).stdout)
	e.writeConfig(cfg, "b", 0o600) // the current config differs: a restore would write
	links := filepath.Join(e.home, "links")
	if err := os.Mkdir(links, 0o700); err != nil {
		t.Fatal(err)
	}
	sep := string(filepath.Separator)
	targets := map[string]string{
		"the index":              filepath.Join(e.root, "index.db"),
		"a backup":               backup,
		"the lock":               filepath.Join(e.root, "lock"),
		"the root":               e.root,
		"a new file of a host":   filepath.Join(e.root, "cursor", "new.json"),
		"a new file in the root": filepath.Join(e.root, "new.json"),
		"through ..":             links + sep + ".." + sep + ".hatch" + sep + "mcp_host_config_backups" + sep + "index.db",
	}
	symlinks := map[string][2]string{ // name: link, where it points; target
		"a symlinked folder":     {e.root, filepath.Join("rootlink", "index.db")},
		"a symlinked host":       {filepath.Join(e.root, "cursor"), filepath.Join("hostlink", "new.json")},
		"a symlink to the index": {filepath.Join(e.root, "index.db"), "index.json"},
		"a symlink to a backup":  {backup, "backup.json"},
	}
	for name, l := range symlinks {
		link := filepath.Join(links, strings.Split(l[1], sep)[0])
		if err := os.Symlink(l[0], link); err != nil {
			t.Logf("no symlinks here (%v): %s not tried", err, name)
			continue
		}
		if _, err := os.Readlink(link); err != nil {
			t.Logf("no usable symlinks here (Wine makes none; %v): %s not tried", err, name)
			os.Remove(link)
			continue
		}
		targets[name] = filepath.Join(links, l[1])
	}
	before := snapshot(t, e.home)
	for name, target := range targets {
		for _, extra := range [][]string{nil, {"--dry-run"}, {"--no-backup"}} {
			r := e.run(append([]string{"restore", "--host", "cursor", "--to", target}, extra...)...)
			if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "inside the backup root") {
				t.Errorf("%s %v: want exit 2 and one line, got %s", name, extra, r)
			}
		}
	}
	r := e.run("restore", "--host", "cursor", "--to", filepath.Join(e.root, "index.db"), "--json")
	var out struct {
		Error struct{ Code int } `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Error.Code != exitUsage {
		t.Errorf("--json: %s", r)
	}
	sameSnapshot(t, "a refused restore", before, snapshot(t, e.home))
	e.must(0, "verify")
	e.must(0, "restore", "--host", "cursor") // to where it came from: outside
}

// TestRootThatIsAFile: --root naming a file is exit 2, "not a folder", for
// readers, writers, verify and reindex alike, and the file is untouched.
func TestRootThatIsAFile(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, "c.json")
	data := e.writeConfig(cfg, "a", 0o600)
	for _, root := range []string{cfg, filepath.Join(cfg, "sub")} {
		for _, args := range [][]string{{"list"}, {"hosts"}, {"verify"}, {"reindex"}, {"create", "--host", "cursor", "--config", cfg}, {"compact"}} {
			r := e.run(append([]string{"--root", root}, args...)...)
			if r.code != exitUsage || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "backup root "+root+": invalid input: not a folder") {
				t.Errorf("%v with --root %s: want exit 2, not a folder; got %s", args, root, r)
			}
		}
	}
	if got, _ := os.ReadFile(cfg); string(got) != string(data) {
		t.Errorf("the file changed")
	}
}

// TestVerifyOfAMissingRoot: verify of a root that does not exist is exit
// 10 naming it, given or the default, and creates nothing; list reads it
// as empty (exit 0) with a notice naming it.
func TestVerifyOfAMissingRoot(t *testing.T) {
	e := newEnv(t)
	typo := filepath.Join(e.home, "bakcups")
	for _, c := range []struct {
		root string
		args []string
	}{{typo, []string{"--root", typo, "verify"}}, {e.root, []string{"verify"}}, {typo, []string{"verify", "--root", typo, "--json"}}} {
		r := e.run(c.args...)
		if r.code != exitNotFound || !strings.Contains(r.stderr, "backup root "+c.root+": not found") {
			t.Errorf("%v: want exit 10 naming the root, got %s", c.args, r)
		}
	}
	r := e.must(0, "--root", typo, "list")
	if r.stdout != "" || !strings.Contains(r.stderr, typo+" does not exist yet") {
		t.Errorf("list of a missing root: %s", r)
	}
	if list := e.listJSON("--root", typo); len(list) != 0 {
		t.Errorf("listed %v", list)
	}
	for _, p := range []string{typo, e.root} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s was made: %v", p, err)
		}
	}
}

// TestHostsConfigThatIsAFolder: a host's config path that holds a folder
// shows "not a file" and no size; --json says exists, size null and a
// problem.
func TestHostsConfigThatIsAFolder(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(e.home, ".cursor", "mcp.json")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	r := e.must(0, "hosts")
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "cursor ") {
			if !strings.Contains(line, dir+" (not a file: a folder)") || strings.Contains(line, "B ") {
				t.Errorf("cursor's row: %q", line)
			}
		}
	}
	var rows []struct {
		Hostname string  `json:"hostname"`
		Exists   bool    `json:"exists"`
		Size     *int64  `json:"size"`
		Problem  *string `json:"problem"`
	}
	if err := json.Unmarshal([]byte(e.must(0, "hosts", "--json").stdout), &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		switch {
		case row.Hostname == "cursor":
			if !row.Exists || row.Size != nil || row.Problem == nil || *row.Problem != "not a file: a folder" {
				t.Errorf("cursor: %+v", row)
			}
		case row.Problem != nil:
			t.Errorf("%s: problem %q", row.Hostname, *row.Problem)
		}
	}
}
