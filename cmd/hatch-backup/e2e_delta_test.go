package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// deltaConfig is version i of a config large enough for deltas to pay.
func deltaConfig(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"numStartups": %d, "mcpServers": {`, i)
	for s := range 80 {
		fmt.Fprintf(&b, `"server%d": {"command": "npx", "args": ["-y", "server-%d@1.%d"]},`, s, s, s*7%13)
	}
	fmt.Fprintf(&b, `"last": {"command": "uvx", "args": ["tool-%d"]}}}`, i)
	return b.Bytes()
}

// TestCompactDeltaCLI: compact --delta stores old backups as .delta files
// (compact --json counts them, list --json says "delta" and the base),
// the newest stays plain, every backup shows its exact bytes, a .delta
// decodes with zstd -d --patch-from, and a delta whose base is gone is
// exit 3 for verify (naming it) and show, changing nothing.
func TestCompactDeltaCLI(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	var contents [][]byte // oldest first
	for i := range 12 {
		data := deltaConfig(i)
		os.WriteFile(cfg, data, 0o600)
		e.must(0, "create", "--host", "cursor")
		contents = append(contents, data)
	}
	r := e.must(0, "compact", "--delta", "--json")
	var out compactJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("compact --json: %v\n%s", err, r.stdout)
	}
	if len(out.Deltas) < 9 || out.BytesAfter >= out.BytesBefore || len(out.Deltas)+len(out.Compressed) != 11 {
		t.Errorf("compact --delta: %d deltas, %d compressed, %d -> %d bytes", len(out.Deltas), len(out.Compressed), out.BytesBefore, out.BytesAfter)
	}
	list := e.listJSON("--host", "cursor")
	byStamp := map[string]backupJSON{}
	for _, b := range list {
		byStamp[b.Timestamp] = b
	}
	if list[0].Compression != "none" {
		t.Errorf("the newest is %s", list[0].Compression)
	}
	var delta backupJSON
	var deltaWant []byte
	for i, b := range list {
		want := contents[len(contents)-1-i]
		if b.Compression == "delta" {
			if b.Base == "" || !strings.HasSuffix(b.FilePath, ".delta") {
				t.Errorf("%s: delta with base %q at %s", b.Timestamp, b.Base, b.FilePath)
			}
			if byStamp[b.Base].Compression == "none" {
				delta, deltaWant = b, want
			}
		}
		to := filepath.Join(e.home, "restored.json")
		e.must(0, "restore", "--host", "cursor", "--timestamp", b.Timestamp, "--to", to, "--no-backup")
		if got, _ := os.ReadFile(to); !bytes.Equal(got, want) {
			t.Errorf("%s restores %d bytes, want %d", b.Timestamp, len(got), len(want))
		}
	}
	if delta.Timestamp == "" {
		t.Fatal("no delta against the plain newest")
	}
	if zstd, err := exec.LookPath("zstd"); err == nil {
		got, err := exec.Command(zstd, "-q", "-d", "-c", "--patch-from="+byStamp[delta.Base].FilePath, delta.FilePath).Output()
		if err != nil || !bytes.Equal(got, deltaWant) {
			t.Errorf("zstd -d --patch-from: %d bytes, %v", len(got), err)
		}
	}

	// Its base gone: exit 3, every dependent named, nothing changed.
	var victim backupJSON // the delta that is the base of most others
	deps := 0
	for _, v := range list[1:] {
		n := 0
		for _, b := range list {
			if b.Base == v.Timestamp {
				n++
			}
		}
		if n > deps {
			victim, deps = v, n
		}
	}
	if deps == 0 {
		t.Fatal("no delta is a base")
	}
	os.Remove(victim.FilePath)
	before := snapshot(t, e.root)
	r = e.must(exitIntegrity, "verify")
	if strings.Count(r.stdout, "delta-base") < deps {
		t.Errorf("verify names %d delta-base problems, want at least %d:\n%s", strings.Count(r.stdout, "delta-base"), deps, r.stdout)
	}
	for _, b := range list {
		if b.Base == victim.Timestamp {
			if r := e.run("show", "--host", "cursor", "--timestamp", b.Timestamp); r.code != exitIntegrity || r.stdout != "" {
				t.Errorf("show of a delta without its base: %s", r)
			}
			break
		}
	}
	if after := snapshot(t, e.root); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Error("verify or show changed the store")
	}
}
