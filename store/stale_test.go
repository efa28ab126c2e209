package store

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStaleFolder: after another program (Python Hatch) adds a backup
// file to a host folder, a reader and a writer both say which folder
// changed and to run reindex, and keep saying it; reindex adopts the file
// and the notices stop. A folder that nobody touched raises nothing.
func TestStaleFolder(t *testing.T) {
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"mcpServers": {}}`))
	f.create("cursor", p)
	f.create("vscode", p)
	var logs bytes.Buffer
	logged := func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) }
	reader := func(o *Options) { logged(o); o.UpgradingReader = true }

	s := f.open(reader)
	if len(s.StaleFolders()) != 0 || logs.Len() != 0 {
		t.Fatalf("untouched store: %v %s", s.StaleFolders(), logs.String())
	}
	s.Close()

	// Hatch writes a backup of cursor. The folder's mtime is moved on
	// explicitly: on a file system with a coarse clock, a write this soon
	// after ours may not move it (see stale.go).
	hatch := filepath.Join(f.root, "cursor", "mcp.json.cursor.20260101_000000_000000")
	if err := os.WriteFile(hatch, []byte(`{"mcpServers": {"h": {}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Dir(hatch), later, later)
	for _, mod := range []func(*Options){reader, logged, reader} {
		logs.Reset()
		s := f.open(mod)
		if got := s.StaleFolders(); len(got) != 1 || got[0] != "cursor" {
			t.Fatalf("stale: %v", got)
		}
		// slog's text handler quotes the message: a Windows path's
		// backslashes come out doubled.
		if msg := strings.ReplaceAll(logs.String(), `\\`, `\`); !strings.Contains(msg, filepath.Join(f.root, "cursor")) || !strings.Contains(msg, "hatch-backup reindex") || strings.Contains(msg, "vscode") {
			t.Fatalf("notice: %s", msg)
		}
		if !s.readOnly {
			// A writer that writes keeps the folder stale.
			f.config("mcp.json", []byte(`{"mcpServers": {"x": {}}}`))
			if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p}); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
	if err != nil || len(res.Adopted) != 1 {
		t.Fatalf("reindex: %+v %v", res, err)
	}
	logs.Reset()
	s = f.open(reader)
	defer s.Close()
	if len(s.StaleFolders()) != 0 || logs.Len() != 0 {
		t.Fatalf("after reindex: %v %s", s.StaleFolders(), logs.String())
	}
}

// TestCreateRecordsItsFolderInOneCommit: a create writes its record and
// its folder's new state in one index commit (bbolt syncs twice a commit),
// and the next open finds that folder as recorded.
func TestCreateRecordsItsFolderInOneCommit(t *testing.T) {
	f := newFixture(t)
	p := f.config("mcp.json", []byte(`{"mcpServers": {}}`))
	f.create("cursor", p)
	s := f.open()
	before, err := s.db.Generation()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p}); err != nil {
		t.Fatal(err)
	}
	if err := s.recordFolders(); err != nil {
		t.Fatal(err)
	}
	after, err := s.db.Generation()
	s.Close()
	if err != nil || after != before+1 {
		t.Fatalf("a create made %d index commits (%v), want 1", after-before, err)
	}
	r := f.open(func(o *Options) { o.UpgradingReader = true })
	defer r.Close()
	if got := r.StaleFolders(); len(got) != 0 {
		t.Fatalf("after our own create: stale %v", got)
	}
}
