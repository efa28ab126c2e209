package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// guardFixture is a fake home with a cursor config, and a store.
type guardFixture struct {
	t            *testing.T
	home, root   string
	cursor, code string // config paths of cursor and codex
	opts         Options
}

func newGuardFixture(t *testing.T) *guardFixture {
	t.Helper()
	home := t.TempDir()
	env := DefaultEnv()
	env.GOOS = runtime.GOOS
	env.Getenv = func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	f := &guardFixture{t: t, home: home, root: filepath.Join(home, "backups"),
		cursor: filepath.Join(home, ".cursor", "mcp.json"), code: filepath.Join(home, ".codex", "config.toml")}
	f.opts = Options{Root: f.root, Env: &env, LockTimeout: 5 * time.Second}
	f.write(f.cursor, cursorA)
	return f
}

const (
	cursorA = `{"mcpServers": {"a": {"command": "npx"}}}`
	cursorB = `{"mcpServers": {"b": {"command": "npx"}}}`
	cursorC = `{"mcpServers": {"b": {"command": "npx"}, "c": {"command": "uvx"}}}`
	codexZ  = "[mcp_servers.z]\ncommand = \"npx\"\n"
)

func (f *guardFixture) write(p, content string) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

// content is p's content, "" when absent.
func (f *guardFixture) content(p string) string {
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return string(data)
}

func (f *guardFixture) open() *Store {
	f.t.Helper()
	s, err := Open(context.Background(), f.opts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

// installer changes cursor's config and creates codex's.
func (f *guardFixture) installer(context.Context) error {
	f.write(f.cursor, cursorB)
	f.write(f.code, codexZ)
	return nil
}

func TestGuardRecordsAndUndoPutsBack(t *testing.T) {
	f := newGuardFixture(t)
	s := f.open()
	ctx := context.Background()
	cs, err := s.Guard(ctx, nil, f.installer)
	if err != nil {
		t.Fatal(err)
	}
	rep := s.Report(ctx, cs)
	if len(rep) != 2 || rep[0].Host != "cursor" || rep[0].Kind != "changed" || rep[1].Host != "codex" || rep[1].Kind != "created" {
		t.Fatalf("report %+v", rep)
	}
	if len(rep[0].Servers) != 2 || len(rep[1].Servers) != 1 || rep[1].Servers[0].Name != "z" {
		t.Errorf("servers %+v / %+v", rep[0].Servers, rep[1].Servers)
	}
	res, err := s.Undo(ctx, UndoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.content(f.cursor) != cursorA || f.content(f.code) != "" {
		t.Fatalf("after undo: cursor %q, codex %q", f.content(f.cursor), f.content(f.code))
	}
	if res.Record.Undoes != cs.ID || len(res.Steps) != 2 || res.Steps[1].Safety == nil || !res.Steps[1].Safety.Safety {
		t.Errorf("undo result %+v", res)
	}
	// The undo of the undo puts the installer's change back.
	if _, err := s.Undo(ctx, UndoOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.content(f.cursor) != cursorB || f.content(f.code) != codexZ {
		t.Fatalf("after redo: cursor %q, codex %q", f.content(f.cursor), f.content(f.code))
	}
	// A plain restore still passes over the safety backups undo took.
	if b, err := s.LatestToRestore(ctx, "codex"); err != nil || b.Safety {
		t.Errorf("latest to restore of codex: %+v, %v", b, err)
	}
}

func TestUndoRefusesAConfigChangedSince(t *testing.T) {
	f := newGuardFixture(t)
	s := f.open()
	ctx := context.Background()
	if _, err := s.Guard(ctx, []string{"cursor", "codex"}, f.installer); err != nil {
		t.Fatal(err)
	}
	f.write(f.cursor, cursorC) // a later edit
	_, err := s.Undo(ctx, UndoOptions{})
	if !errors.Is(err, ErrChangedSince) || !strings.Contains(err.Error(), f.cursor) {
		t.Fatalf("undo after a later edit: %v", err)
	}
	if f.content(f.cursor) != cursorC || f.content(f.code) != codexZ {
		t.Fatal("a refused undo changed a config")
	}
	if _, err := s.Undo(ctx, UndoOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if f.content(f.cursor) != cursorA || f.content(f.code) != "" {
		t.Fatal("undo --force did not put both back")
	}
}

func TestUndoWithoutChangeSet(t *testing.T) {
	f := newGuardFixture(t)
	if _, err := f.open().Undo(context.Background(), UndoOptions{}); !errors.Is(err, ErrNoChangeSet) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("undo of nothing: %v", err)
	}
}

func TestGuardTakesAfterBackupsWhenTheChangeFails(t *testing.T) {
	f := newGuardFixture(t)
	s := f.open()
	ctx, cancel := context.WithCancel(context.Background())
	boom := errors.New("boom")
	cs, err := s.Guard(ctx, []string{"cursor"}, func(context.Context) error {
		f.write(f.cursor, cursorB)
		cancel() // interrupted half way
		return boom
	})
	if !errors.Is(err, boom) || !cs.Complete || cs.ExitCode != 1 {
		t.Fatalf("Guard = %+v, %v", cs, err)
	}
	if len(cs.Hosts) != 1 || cs.Hosts[0].After == nil || sameState(cs.Hosts[0].Before, cs.Hosts[0].After) {
		t.Fatalf("no after backup of the half-done change: %+v", cs.Hosts)
	}
}

func TestWatcherSkipsIdenticalAndServerlessChanges(t *testing.T) {
	f := newGuardFixture(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.opts.Now = func() time.Time { return now }
	check := watchChecker(t, NewWatcher(f.opts, 10*time.Minute), f.cursor, &now)
	check("backup")
	check("") // identical bytes
	f.write(f.cursor, cursorA+"\n  ")
	if ev := check("skipped"); ev.Retry <= 0 || ev.Retry > 10*time.Minute {
		t.Errorf("retry %v", ev.Retry)
	}
	f.write(f.cursor, cursorB)
	if ev := check("backup"); !ev.Removed || len(ev.Servers) != 2 {
		t.Errorf("servers changed: %+v", ev)
	}
	f.write(f.cursor, "{broken")
	check("backup") // a config that stops parsing: at once
	now = now.Add(time.Hour)
	f.write(f.cursor, cursorB+" ")
	check("backup")
	if err := os.Remove(f.cursor); err != nil {
		t.Fatal(err)
	}
	check("")
}

// TestChangeSetsSurviveCompactAndReindex: compact's copy of the index and
// a reindex of a sound index keep the change sets, so undo still works.
func TestChangeSetsSurviveCompactAndReindex(t *testing.T) {
	f := newGuardFixture(t)
	s := f.open()
	ctx := context.Background()
	cs, err := s.Guard(ctx, nil, f.installer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Compact(ctx, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Reindex(ctx, f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	s = f.open()
	if last, err := s.LastChangeSet(ctx); err != nil || last.ID != cs.ID {
		t.Fatalf("after compact and reindex: %+v, %v", last, err)
	}
	if _, err := s.Undo(ctx, UndoOptions{}); err != nil {
		t.Fatal(err)
	}
	if f.content(f.cursor) != cursorA || f.content(f.code) != "" {
		t.Fatal("undo after compact did not put the configs back")
	}
}

// TestWatcherFirstLookNamesServersLostMeanwhile: servers removed while no
// watch ran are named at the watch's first backup.
func TestWatcherFirstLookNamesServersLostMeanwhile(t *testing.T) {
	f := newGuardFixture(t)
	s := f.open()
	if _, err := s.Create(context.Background(), CreateOptions{Host: "cursor"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	f.write(f.cursor, cursorB)
	ev, err := NewWatcher(f.opts, time.Hour).Check(context.Background(), "cursor", f.cursor)
	if err != nil || ev.Kind != "backup" || !ev.Removed || len(ev.Servers) != 2 {
		t.Fatalf("first look: %+v, %v", ev, err)
	}
}

// watchChecker returns a check of cursor's config at p by w that wants an
// event of kind want, then moves the clock *now a second on.
func watchChecker(t *testing.T, w *Watcher, p string, now *time.Time) func(want string) WatchEvent {
	return func(want string) WatchEvent {
		t.Helper()
		ev, err := w.Check(context.Background(), "cursor", p)
		if err != nil || ev.Kind != want {
			t.Fatalf("Check = %+v, %v; want %q", ev, err, want)
		}
		*now = now.Add(time.Second)
		return ev
	}
}
