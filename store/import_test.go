package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImport: Claude Code's rotating backups, a corrupted copy and a .bak
// of an MCP manager are adopted dated by their mtime, with the config as
// original path; the copies stay untouched; a second run adopts nothing.
func TestImport(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s0 := f.open()
	home := s0.env.Getenv("HOME")
	claude, _ := LookupHost("claude-code")
	config := claude.ConfigPath(s0.env)
	cursor, _ := LookupHost("cursor")
	cursorConfig := cursor.ConfigPath(s0.env)
	s0.Close()
	when := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC)
	copies := map[string]string{
		filepath.Join(home, ".claude", "backups", ".claude.json.backup.1"): `{"mcpServers": {"a": {}}}`,
		filepath.Join(home, ".claude.json.corrupted.1767225600"):           `{"mcpServers": {`,
		cursorConfig + ".bak": `{"mcpServers": {"b": {}}}`,
		filepath.Join(home, ".claude.json.corrupted.1767225601"): ``, // Claude Code leaves some at 0 bytes
	}
	for p, data := range copies {
		os.MkdirAll(filepath.Dir(p), 0o700)
		os.WriteFile(p, []byte(data), 0o600)
		os.Chtimes(p, when, when)
		when = when.Add(time.Hour)
	}
	s := f.open()
	dry, err := s.Import(ctx, ImportOptions{DryRun: true})
	if err != nil || len(dry.Adopted) != 4 || len(dry.Skipped) != 0 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	res, err := s.Import(ctx, ImportOptions{})
	s.Close()
	if err != nil || len(res.Adopted) != 4 {
		t.Fatalf("import: %+v %v", res, err)
	}
	for _, c := range res.Adopted {
		fi, _ := os.Stat(c.Path)
		if data, _ := os.ReadFile(c.Path); string(data) != copies[c.Path] {
			t.Errorf("%s changed", c.Path)
		}
		if !c.Backup.Created.Equal(fi.ModTime().UTC()) {
			t.Errorf("%s dated %v, mtime %v", c.Path, c.Backup.Created, fi.ModTime())
		}
		want := config
		if c.Host == "cursor" {
			want = cursorConfig
		}
		if c.Backup.OriginalPath != want {
			t.Errorf("%s: original path %q", c.Path, c.Backup.OriginalPath)
		}
		corrupted := strings.Contains(c.Path, ".corrupted.")
		if c.Backup.Parsed == nil || *c.Backup.Parsed == corrupted {
			t.Errorf("%s: parsed %v", c.Path, c.Backup.Parsed)
		}
	}
	s = f.open()
	defer s.Close()
	again, err := s.Import(ctx, ImportOptions{})
	if err != nil || len(again.Adopted) != 0 || len(again.Skipped) != 4 {
		t.Fatalf("second run: %+v %v", again, err)
	}
	if only, _ := s.Import(ctx, ImportOptions{Hosts: []string{"cursor"}, DryRun: true}); len(only.Skipped) != 1 {
		t.Fatalf("--host cursor: %+v", only)
	}
}
