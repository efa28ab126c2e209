package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestWrapChange: a change is made after a backup; a failing change is
// rolled back to the bytes it started from, and both backups stay.
func TestWrapChange(t *testing.T) {
	dir := t.TempDir()
	root, config := filepath.Join(dir, "store"), filepath.Join(dir, "mcp.json")
	original := []byte(`{"mcpServers": {}}` + "\n")
	if err := os.WriteFile(config, original, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--root", root, "--host", "cursor", "--config", config, "--server", "fetch", "--command", "uvx", "--arg", "mcp-server-fetch"}
	ctx := context.Background()
	if err := run(ctx, args); err != nil {
		t.Fatal(err)
	}
	changed, _ := os.ReadFile(config)
	if !bytes.Contains(changed, []byte(`"fetch"`)) {
		t.Fatalf("the server was not added:\n%s", changed)
	}
	err := run(ctx, args)
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("adding the same server twice: %v", err)
	}
	if now, _ := os.ReadFile(config); !bytes.Equal(now, changed) {
		t.Fatalf("a failed change was not rolled back:\n%s", now)
	}

	s, err := store.Open(ctx, store.Options{Root: root, UpgradingReader: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got [][]byte
	for b, err := range s.List(ctx, store.Query{Hosts: []string{"cursor"}}) {
		if err != nil {
			t.Fatal(err)
		}
		data, err := s.Read(b)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, data)
	}
	if len(got) != 2 || !bytes.Equal(got[0], changed) || !bytes.Equal(got[1], original) {
		t.Fatalf("want the backups of both states, newest first; got %d", len(got))
	}
}
