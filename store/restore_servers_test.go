package store

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestRestoreServers: the servers an app dropped come back from the
// latest backup that has them, the rest of the current config (written
// since) stays byte for byte, a safety backup holds what was replaced,
// and a second run has nothing to do.
func TestRestoreServers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := `{"numStartups": 1, "mcpServers": {"github": {"command": "gh"}, "fs": {"command": "fs"}}}`
	p := f.config("claude.json", []byte(good))
	f.create("cursor", p)
	// The app drops the servers and writes newer state; watch backs it up.
	dropped := "{\n  \"numStartups\": 9,\n  \"mcpServers\": {\n    \"fs\": {\"command\": \"fs\"}\n  }\n}\n"
	os.WriteFile(p, []byte(dropped), 0o600)
	f.create("cursor", p)

	s := f.open()
	dry, err := s.RestoreServers(ctx, RestoreServersOptions{Host: "cursor", To: p, DryRun: true})
	if err != nil || !dry.Changed || len(dry.RestoredServers) != 1 || dry.RestoredServers[0] != "github" {
		t.Fatalf("dry run: %+v, %v", dry, err)
	}
	if now, _ := os.ReadFile(p); string(now) != dropped {
		t.Fatal("dry run changed the config")
	}
	res, err := s.RestoreServers(ctx, RestoreServersOptions{Host: "cursor", To: p})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"numStartups\": 9,\n  \"mcpServers\": {\n    \"fs\": {\"command\": \"fs\"},\n    \"github\": {\"command\": \"gh\"}\n  }\n}\n"
	if now, _ := os.ReadFile(p); string(now) != want {
		t.Fatalf("config:\n%s", now)
	}
	if res.SafetyBackup == nil || !res.SafetyBackup.Safety {
		t.Fatalf("safety backup: %+v", res.SafetyBackup)
	}
	s = f.open()
	defer s.Close()
	if safety, _ := s.Read(*res.SafetyBackup); string(safety) != dropped {
		t.Fatal("the safety backup does not hold the replaced content")
	}
	if _, err := s.RestoreServers(ctx, RestoreServersOptions{Host: "cursor", To: p}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second run: %v", err)
	}
	// --server of a changed definition replaces it.
	os.WriteFile(p, []byte(`{"mcpServers": {"fs": {"command": "CHANGED"}, "github": {"command": "gh"}}}`), 0o600)
	res, err = s.RestoreServers(ctx, RestoreServersOptions{Host: "cursor", To: p, Servers: []string{"fs"}})
	if err != nil || len(res.RestoredServers) != 1 {
		t.Fatalf("--server fs: %+v %v", res, err)
	}
	if now, _ := os.ReadFile(p); string(now) != `{"mcpServers": {"fs": {"command": "fs"}, "github": {"command": "gh"}}}` {
		t.Fatalf("config: %s", now)
	}
	if _, err := s.RestoreServers(ctx, RestoreServersOptions{Host: "cursor", To: p, Servers: []string{"nope"}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown server: %v", err)
	}
}

// TestRestoreServersRefusesUnparsable: a current config that does not
// parse is refused with ErrUnparsable and left as it is.
func TestRestoreServersRefusesUnparsable(t *testing.T) {
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"mcpServers": {"a": {}}}`))
	f.create("cursor", p)
	os.WriteFile(p, []byte(`{"mcpServers": `), 0o600)
	s := f.open()
	_, err := s.RestoreServers(context.Background(), RestoreServersOptions{Host: "cursor", To: p})
	s.Close()
	if !errors.Is(err, ErrUnparsable) {
		t.Fatalf("got %v", err)
	}
	if now, _ := os.ReadFile(p); string(now) != `{"mcpServers": ` {
		t.Fatal("config changed")
	}
	if len(f.all()) != 1 {
		t.Fatal("a backup was taken")
	}
}

// TestRestoreServersOtherPath: a config that moved (or --to a copy) takes
// its servers from a backup of another path of the host when none of its
// own path has them.
func TestRestoreServersOtherPath(t *testing.T) {
	f := newFixture(t)
	old := f.config("old.json", []byte(`{"mcpServers": {"a": {"command": "a"}}}`))
	f.create("cursor", old)
	moved := f.config("new.json", []byte(`{"theme": "dark"}`))
	s := f.open()
	defer s.Close()
	res, err := s.RestoreServers(context.Background(), RestoreServersOptions{Host: "cursor", To: moved})
	if err != nil || len(res.RestoredServers) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	if now, _ := os.ReadFile(moved); string(now) != `{"theme": "dark", "mcpServers": {
  "a": {"command": "a"}
}}` {
		t.Fatalf("got %s", now)
	}
}
