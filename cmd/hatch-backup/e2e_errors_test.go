package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestBadInput runs every kind of bad input CLI.md names: each gets the
// documented exit code, a one-line error naming the value or path, and
// leaves the backup root and the config untouched.
func TestBadInput(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "x", 0o600)
	e.must(0, "create", "--host", "cursor")
	ts := e.listJSON()[0].Timestamp

	dirCfg := filepath.Join(e.home, "a-dir")
	os.Mkdir(dirCfg, 0o700)
	special := specialFiles(t, e.home) // a FIFO and a device where the OS has them
	missingDir := filepath.Join(e.home, "no", "such", "dir", "x.json")

	cases := []struct {
		name string
		args []string
		code int
		says string // the value or path the error must name
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"backup"}, 2, `"backup"`},
		{"unknown flag", []string{"list", "--bogus"}, 2, "unknown flag --bogus"},
		{"unknown global flag", []string{"--bogus", "list"}, 2, "unknown flag --bogus"},
		{"flag without value", []string{"list", "--limit"}, 2, "--limit needs a value"},
		{"bad limit", []string{"list", "--limit", "x"}, 2, `--limit "x"`},
		{"empty --to", []string{"restore", "--host", "cursor", "--to", ""}, 2, "--to: empty value"},
		{"empty --timestamp", []string{"restore", "--host", "cursor", "--timestamp", ""}, 2, "--timestamp: empty value"},
		{"empty --timestamp of show", []string{"show", "--host", "cursor", "--timestamp", ""}, 2, "--timestamp: empty value"},
		{"empty --timestamp of diff", []string{"diff", "--host", "cursor", "--timestamp", ""}, 2, "--timestamp: empty value"},
		{"empty --root", []string{"create", "--host", "cursor", "--root", ""}, 2, "--root: empty value"},
		{"empty --root before the command", []string{"--root", "", "create", "--host", "cursor"}, 2, "--root: empty value"},
		{"empty --config", []string{"create", "--host", "cursor", "--config", ""}, 2, "--config: empty value"},
		{"empty --host", []string{"list", "--host", ""}, 2, "--host: empty value"},
		{"empty --since", []string{"list", "--since", ""}, 2, "--since: empty value"},
		{"stray argument create", []string{"create", "cursor"}, 2, "--host"},
		{"stray argument restore", []string{"restore", "--host", "cursor", ts}, 2, ts},
		{"stray argument list", []string{"list", "cursor"}, 2, `"cursor"`},
		{"missing host", []string{"create"}, 2, "--host"},
		{"host ../etc", []string{"create", "--host", "../etc"}, 2, "../etc"},
		{"host /abs", []string{"create", "--host", "/abs"}, 2, "/abs"},
		{"host VSCode", []string{"create", "--host", "VSCode"}, 2, "VSCode"},
		{"host with space", []string{"create", "--host", "vs code"}, 2, "vs code"},
		{"host Cyrillic look-alike", []string{"create", "--host", "сursor"}, 2, "unknown host"},
		{"host 300 chars", []string{"create", "--host", strings.Repeat("a", 300)}, 2, "unknown host"},
		{"list unknown host", []string{"list", "--host", "sublime"}, 2, "sublime"},
		{"config missing", []string{"create", "--host", "cursor", "--config", filepath.Join(e.home, "nope.json")}, 10, "nope.json"},
		{"host config missing", []string{"create", "--host", "kiro"}, 10, filepath.Join(".kiro", "settings", "mcp.json")},
		{"config is a directory", []string{"create", "--host", "cursor", "--config", dirCfg}, 2, dirCfg},
		{"timestamp is a date", []string{"restore", "--host", "cursor", "--timestamp", "2025-09-21"}, 2, "2025-09-21"},
		{"timestamp month 13", []string{"restore", "--host", "cursor", "--timestamp", "20251340_000000_000000"}, 2, "20251340_000000_000000"},
		{"timestamp 7 digits", []string{"restore", "--host", "cursor", "--timestamp", "20250921_100000_1234567"}, 2, "20250921_100000_1234567"},
		{"timestamp path", []string{"restore", "--host", "cursor", "--timestamp", "../../x"}, 2, "../../x"},
		{"timestamp not found", []string{"restore", "--host", "cursor", "--timestamp", "20200101_000000_000000"}, 10, "20200101_000000_000000"},
		{"no backup of host", []string{"restore", "--host", "vscode"}, 10, "vscode"},
		{"restore target folder missing", []string{"restore", "--host", "cursor", "--to", missingDir}, 10, filepath.Dir(missingDir)},
		{"restore target is a directory", []string{"restore", "--host", "cursor", "--to", dirCfg}, 2, dirCfg},
		{"negative limit", []string{"list", "--limit", "-1"}, 2, "-1"},
		{"bad since", []string{"list", "--since", "yesterday"}, 2, "yesterday"},
		{"bad until", []string{"list", "--until", "2025-13-01"}, 2, "2025-13-01"},
		{"negative lock timeout", []string{"list", "--lock-timeout", "-1s"}, 2, "-1s"},
		{"bad lock timeout", []string{"list", "--lock-timeout", "soon"}, 2, "soon"},
	}
	for _, p := range special {
		cases = append(cases, struct {
			name string
			args []string
			code int
			says string
		}{"config is " + filepath.Base(p), []string{"create", "--host", "cursor", "--config", p}, 2, p})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, e.home)
			r := e.run(c.args...)
			if r.code != c.code {
				t.Fatalf("want exit %d, got %s", c.code, r)
			}
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "hatch-backup: ") || !strings.Contains(last, c.says) {
				t.Errorf("error line %q should name %q", last, c.says)
			}
			if len(lines) != 1 {
				t.Errorf("want one error line, got %d:\n%s", len(lines), r.stderr)
			}
			if leak := internalWords.FindString(last); leak != "" {
				t.Errorf("error line %q shows an internal %q", last, leak)
			}
			sameSnapshot(t, c.name, before, snapshot(t, e.home))

			r = e.run(append(c.args, "--json")...)
			var doc struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if c.args == nil {
				return
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Error.Code != c.code || doc.Error.Message == "" {
				t.Errorf("--json error document: %v %q", err, r.stdout)
			}
		})
	}
}

// internalWords are the marks of an error text that speaks of the code,
// not of what the user gave: a package prefix, Go's flag package wording,
// a mode string such as "Dc---------".
var internalWords = regexp.MustCompile(`\batomic:|\bindex:|flag provided|for flag -|\b[dDLpSc]{0,2}[-rwxsStT]{9}\b`)

// TestLocked: a store held by another process past --lock-timeout is exit
// 11, for writers and for readers of an exclusively held store.
func TestLocked(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "x", 0o600)
	e.must(0, "create", "--host", "cursor")
	release, err := store.Lock(e.root, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, e.home)
	for _, args := range [][]string{
		{"create", "--host", "cursor", "--lock-timeout", "0"},
		{"create", "--host", "cursor", "--lock-timeout", "200ms"},
		{"list", "--lock-timeout", "0"},
		{"restore", "--host", "cursor", "--lock-timeout", "0"},
	} {
		r := e.run(args...)
		if r.code != 11 || !strings.Contains(r.stderr, "lock") {
			t.Errorf("%v: want exit 11, got %s", args, r)
		}
	}
	sameSnapshot(t, "locked commands", before, snapshot(t, e.home))
	release()
	e.must(0, "create", "--host", "cursor", "--lock-timeout", "0")
}

// TestDamagedBackupRefused: restore of a backup whose bytes no longer match
// the index is exit 3 and leaves the live config alone.
func TestDamagedBackupRefused(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "x", 0o600)
	path := strings.TrimSpace(e.must(0, "create", "--host", "cursor").stdout)
	live := e.writeConfig(cfg, "live", 0o600)
	data, _ := os.ReadFile(path)
	data[len(data)/2] ^= 0x01
	os.WriteFile(path, data, 0o600)
	r := e.must(3, "restore", "--host", "cursor")
	if !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "sha256") {
		t.Errorf("damaged restore error: %s", r.stderr)
	}
	if got, _ := os.ReadFile(cfg); string(got) != string(live) {
		t.Fatal("a refused restore changed the live config")
	}
	os.Remove(path)
	e.must(3, "restore", "--host", "cursor")
}

// TestEmptyIndexIsDamage: a 0-byte index beside backups is exit 3, never an
// empty store, and is not rewritten.
func TestEmptyIndexIsDamage(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	e.writeConfig(cfg, "x", 0o600)
	e.must(0, "create", "--host", "cursor")
	idx := filepath.Join(e.root, "index.db")
	os.Truncate(idx, 0)
	for _, args := range [][]string{{"list"}, {"create", "--host", "cursor"}, {"restore", "--host", "cursor"}} {
		r := e.run(args...)
		if r.code != 3 || !strings.Contains(r.stderr, idx) {
			t.Errorf("%v with a 0-byte index: %s", args, r)
		}
	}
	if fi, _ := os.Stat(idx); fi.Size() != 0 {
		t.Error("the damaged index was rewritten")
	}
}
