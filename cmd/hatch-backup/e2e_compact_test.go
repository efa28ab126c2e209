package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompactThenRestore: compact compresses plain backups (and leaves
// .zst ones alone), every backup restores byte-exactly afterwards, and the
// index sizes it reports are the file's.
func TestCompactThenRestore(t *testing.T) {
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	var contents [][]byte
	for _, tag := range []string{"", "one", strings.Repeat("big", 300_000), "zstd"} {
		data := e.writeConfig(cfg, tag, 0o600)
		if tag == "" {
			os.WriteFile(cfg, nil, 0o600) // an empty config
			data = []byte{}
		}
		args := []string{"create", "--host", "cursor"}
		if tag == "zstd" {
			args = append(args, "--compress")
		}
		e.must(0, args...)
		contents = append(contents, data)
	}
	e.populate(500, 24*time.Hour, "vscode") // old ones, to see the index shrink
	e.must(0, "clean", "--keep-count", "5", "--host", "vscode")

	r := e.must(0, "compact", "--json")
	var out compactJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("compact --json: %v\n%s", err, r.stdout)
	}
	// cursor's newest was taken with --compress; vscode's newest stays
	// plain (Python Hatch restores the newest file it can read).
	if len(out.Compressed) != 3+4 {
		t.Errorf("compressed %d backups, want 7", len(out.Compressed))
	}
	for i, b := range e.listJSON("--host", "vscode") {
		if (b.Compression == "none") != (i == 0) {
			t.Errorf("vscode %s: compression %s (only the newest stays plain)", b.Timestamp, b.Compression)
		}
	}
	fi, err := os.Stat(filepath.Join(e.root, "index.db"))
	if err != nil || out.IndexBytesAfter != fi.Size() || out.IndexBytesAfter >= out.IndexBytesBefore {
		t.Errorf("index %d -> %d bytes; the file has %d", out.IndexBytesBefore, out.IndexBytesAfter, fi.Size())
	}
	list := e.listJSON("--host", "cursor")
	if len(list) != len(contents) {
		t.Fatalf("%d cursor backups listed, want %d", len(list), len(contents))
	}
	for i, b := range list {
		want := contents[len(contents)-1-i]
		if b.Compression != "zstd" || !strings.HasSuffix(b.FilePath, ".zst") || b.OriginalSize != int64(len(want)) {
			t.Errorf("%s: compression %s, original size %d", b.FilePath, b.Compression, b.OriginalSize)
		}
		to := filepath.Join(e.home, "restored.json")
		e.must(0, "restore", "--host", "cursor", "--timestamp", b.Timestamp, "--to", to, "--no-backup")
		if got, _ := os.ReadFile(to); !bytes.Equal(got, want) {
			t.Errorf("%s restores %d bytes, want %d", b.Timestamp, len(got), len(want))
		}
	}
	text := e.must(0, "compact").stdout
	if !strings.Contains(text, "compressed 0 backups") || !strings.Contains(text, "index: ") {
		t.Errorf("second compact:\n%s", text)
	}
}
