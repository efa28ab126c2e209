package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hatch-backup/hatch-backup/index"
)

func TestSkipUnchanged(t *testing.T) {
	f := newFixture(t)
	a := f.config("a.json", []byte(`{"mcpServers": {}}`))
	b := f.config("b.json", []byte(`{"mcpServers": {}}`))
	create := func(path string) Result {
		t.Helper()
		s := f.open()
		defer s.Close()
		res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: path, SkipUnchanged: true})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	first := create(a)
	if first.Skipped {
		t.Fatal("first backup skipped")
	}
	again := create(a)
	if !again.Skipped || again.Backup.Path != first.Backup.Path {
		t.Errorf("unchanged: %+v, want skipped with %s", again, first.Backup.Path)
	}
	// Same bytes, other path: that path has no backup yet.
	if other := create(b); other.Skipped {
		t.Error("a backup of another path with the same bytes was skipped")
	}
	if again := create(a); !again.Skipped {
		t.Error("a's latest backup is older than b's: still unchanged, must skip")
	}
	os.WriteFile(a, []byte(`{"mcpServers": {"x": {}}}`), 0o600)
	if changed := create(a); changed.Skipped {
		t.Error("changed config skipped")
	}
	if n := len(f.all()); n != 3 {
		t.Errorf("%d backups, want 3", n)
	}
}

// TestSkipUnchangedDamagedLatest: a latest backup that no longer reads back
// is no reason to skip: a fresh backup is taken, with a notice.
func TestSkipUnchangedDamagedLatest(t *testing.T) {
	f := newFixture(t)
	a := f.config("a.json", []byte(`{"mcpServers": {}}`))
	first := f.create("cursor", a)
	os.WriteFile(first.Path, []byte(`{"mcpServers": 1}`), 0o600) // same size, other bytes
	var log bytes.Buffer
	s := f.open(func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
	res, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: a, SkipUnchanged: true})
	s.Close()
	if err != nil || res.Skipped {
		t.Fatalf("res %+v, err %v; want a new backup", res, err)
	}
	if !strings.Contains(log.String(), first.Path) {
		t.Errorf("no notice naming the damaged backup: %s", log.String())
	}
	os.WriteFile(first.Path, []byte(`{"mcpServers": {}}`), 0o600) // let the invariants pass
}

func TestParseStatusRecorded(t *testing.T) {
	f := newFixture(t)
	const secret = "sk-SECRET-do-not-log"
	cases := []struct {
		host, data string
		parsed     bool
	}{
		{"cursor", `{"mcpServers": {}}`, true},
		{"cursor", "{\"mcpServers\": {\"a\": {\"env\": {\"K\": \"" + secret + "\"}},}}", false},
		{"vscode", "{\"servers\": {},} // ok in jsonc", true},
		{"codex", "[mcp_servers.a]\ncommand = \"x\"\n", true},
		{"codex", "[mcp_servers.a]\ncommand = " + secret + "\n", false},
	}
	for i, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			var log bytes.Buffer
			p := f.config(filepath.Base(t.Name())+string(rune('a'+i)), []byte(c.data))
			b := f.create(c.host, p, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&log, nil)) })
			if b.Parsed == nil || *b.Parsed != c.parsed || b.Unparsable() == c.parsed {
				t.Errorf("Parsed %v, want %v", b.Parsed, c.parsed)
			}
			if got, _ := os.ReadFile(b.Path); !bytes.Equal(got, []byte(c.data)) {
				t.Error("backup bytes differ from the config")
			}
			// slog's text handler quotes the message, doubling a Windows
			// path's backslashes.
			named := strings.Contains(log.String(), p) || strings.Contains(log.String(), strings.ReplaceAll(p, `\`, `\\`))
			if !c.parsed && (!named || !strings.Contains(log.String(), ", column ")) {
				t.Errorf("notice lacks path or position: %s", log.String())
			}
			if c.parsed != (log.Len() == 0) {
				t.Errorf("notice %q for parsed=%v", log.String(), c.parsed)
			}
			if strings.Contains(log.String(), secret) {
				t.Errorf("notice shows content: %s", log.String())
			}
		})
	}
	// The status survives in the index.
	for _, b := range f.all() {
		if b.Parsed == nil {
			t.Errorf("%s: parse status lost", b.Path)
		}
	}
}

func TestParsedOf(t *testing.T) {
	if parsedOf(index.ParseUnknown) != nil {
		t.Error("unknown is not nil")
	}
	if p := parsedOf(index.Parsed); p == nil || !*p {
		t.Error("parsed")
	}
	if p := parsedOf(index.Unparsable); p == nil || *p {
		t.Error("unparsable")
	}
	if (Backup{}).Unparsable() {
		t.Error("unknown reads as unparsable")
	}
}

func TestCreateAll(t *testing.T) {
	f := newFixture(t)
	home := filepath.Join(filepath.Dir(f.root), "home")
	write := func(rel, data string) string {
		p := filepath.Join(home, rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	s := f.open()
	_, err := s.CreateAll(context.Background(), CreateAllOptions{})
	s.Close()
	if !errors.Is(err, ErrConfigMissing) {
		t.Fatalf("no configs: %v, want ErrConfigMissing", err)
	}

	write(".cursor/mcp.json", `{"mcpServers": {}}`)
	write(".codex/config.toml", "[mcp_servers.a]\n")
	os.MkdirAll(filepath.Join(home, ".gemini", "settings.json"), 0o700) // a folder where the file belongs
	var progress [][2]int
	s = f.open()
	res, err := s.CreateAll(context.Background(), CreateAllOptions{Progress: func(d, n int) { progress = append(progress, [2]int{d, n}) }})
	s.Close()
	if !errors.Is(err, ErrSomeFailed) || !strings.Contains(err.Error(), "gemini") {
		t.Fatalf("err %v, want ErrSomeFailed naming gemini", err)
	}
	got := map[string]error{}
	for _, r := range res {
		got[r.Host] = r.Err
	}
	if len(got) != 3 || got["cursor"] != nil || got["codex"] != nil || !errors.Is(got["gemini"], ErrInvalid) {
		t.Errorf("results %v", got)
	}
	if len(progress) != 3 || progress[2] != [2]int{3, 3} {
		t.Errorf("progress %v", progress)
	}
	os.Remove(filepath.Join(home, ".gemini", "settings.json"))
	s = f.open()
	res, err = s.CreateAll(context.Background(), CreateAllOptions{SkipUnchanged: true})
	s.Close()
	if err != nil || len(res) != 2 || !res[0].Result.Skipped || !res[1].Result.Skipped {
		t.Errorf("skip unchanged: %+v, %v", res, err)
	}
	if n := len(f.all()); n != 2 {
		t.Errorf("%d backups, want 2", n)
	}
}

func TestHostStatuses(t *testing.T) {
	f := newFixture(t)
	cfg := filepath.Join(filepath.Dir(f.root), "home", ".cursor", "mcp.json")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte(`{"mcpServers": {}}`), 0o600)
	b := f.create("cursor", cfg)
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	sts, err := s.HostStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sts) != len(HostNames()) {
		t.Fatalf("%d statuses", len(sts))
	}
	for _, st := range sts {
		isCursor := st.Host.Name == "cursor"
		if st.Exists != isCursor || (st.Latest != nil) != isCursor {
			t.Errorf("%s: exists %v latest %v", st.Host.Name, st.Exists, st.Latest)
		}
		if isCursor && (st.Path != cfg || st.Size != 18 || st.Latest.Path != b.Path) {
			t.Errorf("cursor: %+v", st)
		}
	}
}
