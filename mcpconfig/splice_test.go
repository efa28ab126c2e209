package mcpconfig

import (
	"errors"
	"strings"
	"testing"
)

var (
	jsonLayout   = Layout{Format: FormatJSON, ServersKey: "mcpServers", ProjectsKey: "projects"}
	jsoncLayout  = Layout{Format: FormatJSONC, ServersKey: "servers"}
	codexLayout  = Layout{Format: FormatTOML, ServersKey: "mcp_servers"}
	vibeLayout   = Layout{Format: FormatTOML, ServersKey: "mcp_servers"}
	goldenBackup = map[string]string{
		"json": `{
  "mcpServers": {
    "github": {
      "command": "npx",
      "args": ["-y", "gh"]
    },
    "fs": {"command": "fs"}
  }
}`,
		"jsonc": `{
	// my servers
	"servers": {
		"github": {
			"command": "npx", // the runner
			"args": ["-y", "gh",],
		},
		"fs": {"command": "fs"},
	},
}`,
		"toml": `model = "o3"

[mcp_servers.github]
command = "npx"
args = ["-y", "gh"]

[mcp_servers.github.env]
TOKEN = "x"

# file system
[mcp_servers.fs]
command = "fs"
`,
		"vibe": `[[mcp_servers]]
name = "github"
transport = "stdio"
command = "npx"

[[mcp_servers]]
name = "fs"
transport = "stdio"
command = "fs"
`,
	}
)

// The golden cases: current config, servers, what the result must be.
var spliceGolden = []struct {
	name, format string
	layout       Layout
	current      string
	servers      []string
	want         string
}{
	{"json emptied", "json", jsonLayout,
		"{\n  \"numStartups\": 7,\n  \"mcpServers\": {},\n  \"zeta\": true\n}\n", []string{"github"},
		"{\n  \"numStartups\": 7,\n  \"mcpServers\": {\n    \"github\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"gh\"]\n    }\n  },\n  \"zeta\": true\n}\n"},
	{"json key missing", "json", jsonLayout,
		"{\"b\": 1, \"a\": 2}", []string{"fs"},
		"{\"b\": 1, \"a\": 2, \"mcpServers\": {\n  \"fs\": {\"command\": \"fs\"}\n}}"},
	{"json add after others, crlf", "json", jsonLayout,
		"{\r\n  \"mcpServers\": {\r\n    \"z\": {\"command\": \"z\"}\r\n  },\r\n  \"oauth\": \"k\"\r\n}\r\n", []string{"github"},
		"{\r\n  \"mcpServers\": {\r\n    \"z\": {\"command\": \"z\"},\r\n    \"github\": {\r\n      \"command\": \"npx\",\r\n      \"args\": [\"-y\", \"gh\"]\r\n    }\r\n  },\r\n  \"oauth\": \"k\"\r\n}\r\n"},
	{"json replace changed, bom", "json", jsonLayout,
		"\xef\xbb\xbf{\"mcpServers\": {\"fs\": {\"command\": \"old\"}, \"b\": {}}}", []string{"fs"},
		"\xef\xbb\xbf{\"mcpServers\": {\"fs\": {\"command\": \"fs\"}, \"b\": {}}}"},
	{"jsonc comments, trailing commas, tabs", "jsonc", jsoncLayout,
		"// VS Code\n{\n\t\"servers\": {\n\t\t// kept\n\t\t\"a\": {\"url\": \"u\"}, // after a\n\t},\n\t\"inputs\": [],\n}\n", []string{"github"},
		"// VS Code\n{\n\t\"servers\": {\n\t\t// kept\n\t\t\"a\": {\"url\": \"u\"}, // after a\n\t\t\"github\": {\n\t\t\t\"command\": \"npx\", // the runner\n\t\t\t\"args\": [\"-y\", \"gh\",],\n\t\t},\n\t},\n\t\"inputs\": [],\n}\n"},
	{"jsonc comment at end without newline", "jsonc", jsoncLayout,
		"{\"servers\": {\"a\": {}}} // end", []string{"fs"},
		"{\"servers\": {\"a\": {}, \"fs\": {\"command\": \"fs\"}}} // end"},
	{"toml add with subtable", "toml", codexLayout,
		"# codex\nmodel = \"o4\"\n\n[mcp_servers.fs]\ncommand = \"fs\"\n\n# profiles\n[profiles.x]\nmodel = \"y\"\n", []string{"github"},
		"# codex\nmodel = \"o4\"\n\n[mcp_servers.fs]\ncommand = \"fs\"\n\n[mcp_servers.github]\ncommand = \"npx\"\nargs = [\"-y\", \"gh\"]\n\n[mcp_servers.github.env]\nTOKEN = \"x\"\n\n# profiles\n[profiles.x]\nmodel = \"y\"\n"},
	{"toml replace keeps comments around, crlf", "toml", codexLayout,
		"model = \"o4\" # mine\r\n\r\n[mcp_servers.fs] # old\r\ncommand = \"old\"\r\n# next\r\n[tui]\r\nx = 1\r\n", []string{"fs"},
		"model = \"o4\" # mine\r\n\r\n[mcp_servers.fs]\r\ncommand = \"fs\"\r\n# next\r\n[tui]\r\nx = 1\r\n"},
	{"toml none yet, no final newline", "toml", codexLayout,
		"model = \"o4\"", []string{"fs"},
		"model = \"o4\"\n\n[mcp_servers.fs]\ncommand = \"fs\"\n"},
	{"vibe entries", "vibe", vibeLayout,
		"active_model = \"m\"\n\n[[mcp_servers]]\nname = \"fs\"\ntransport = \"stdio\"\ncommand = \"old\"\n\n[tools.x]\ny = 1\n", []string{"github", "fs"},
		"active_model = \"m\"\n\n[[mcp_servers]]\nname = \"fs\"\ntransport = \"stdio\"\ncommand = \"fs\"\n\n[[mcp_servers]]\nname = \"github\"\ntransport = \"stdio\"\ncommand = \"npx\"\n\n[tools.x]\ny = 1\n"},
}

func TestSpliceGolden(t *testing.T) {
	for _, c := range spliceGolden {
		t.Run(c.name, func(t *testing.T) {
			got, err := SpliceServers(c.layout, "", []byte(c.current), []byte(goldenBackup[c.format]), c.servers)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestSpliceProject(t *testing.T) {
	cur := "{\n  \"projects\": {\n    \"/src/app\": {\n      \"allowedTools\": [],\n      \"mcpServers\": {}\n    }\n  },\n  \"mcpServers\": {}\n}\n"
	bak := "{\n  \"projects\": {\n    \"/src/app\": {\n      \"mcpServers\": {\n        \"db\": {\"command\": \"db\"}\n      }\n    }\n  }\n}\n"
	got, err := SpliceServers(jsonLayout, "/src/app", []byte(cur), []byte(bak), []string{"db"})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"projects\": {\n    \"/src/app\": {\n      \"allowedTools\": [],\n      \"mcpServers\": {\n        \"db\": {\"command\": \"db\"}\n      }\n    }\n  },\n  \"mcpServers\": {}\n}\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := SpliceServers(jsonLayout, "/elsewhere", []byte(cur), []byte(bak), []string{"db"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("unknown project: %v", err)
	}
	if _, err := SpliceServers(codexLayout, "/src/app", []byte("a = 1"), []byte("a = 1"), []string{"db"}); !errors.Is(err, ErrSpliceUnsupported) {
		t.Errorf("toml project: %v", err)
	}
}

func TestSpliceRefuses(t *testing.T) {
	var pe *ParseError
	if _, err := SpliceServers(jsonLayout, "", []byte(`{"mcpServers": {`), []byte(goldenBackup["json"]), []string{"fs"}); !errors.As(err, &pe) {
		t.Errorf("damaged current: %v", err)
	}
	if _, err := SpliceServers(jsonLayout, "", []byte(`{}`), []byte(goldenBackup["json"]), []string{"nope"}); !errors.Is(err, ErrNoServer) {
		t.Errorf("unknown server: %v", err)
	}
	if _, err := SpliceServers(Layout{Format: "yaml", ServersKey: "extensions"}, "", []byte("a: 1\n"), []byte("a: 1\n"), []string{"x"}); !errors.Is(err, ErrSpliceUnsupported) && !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("yaml: %v", err)
	}
	// mcpServers that is not an object, a server inline in [mcp_servers]
	// that a table would duplicate, a server split around another table.
	for _, c := range []struct {
		l        Layout
		cur, bak string
	}{
		{jsonLayout, `{"mcpServers": []}`, goldenBackup["json"]},
		{codexLayout, "[mcp_servers]\nfs = { command = \"x\" }\n", goldenBackup["toml"]},
		{codexLayout, "[mcp_servers.fs]\ncommand = \"x\"\n[tui]\n[mcp_servers.fs.env]\nA = \"b\"\n", goldenBackup["toml"]},
	} {
		if out, err := SpliceServers(c.l, "", []byte(c.cur), []byte(c.bak), []string{"fs"}); !errors.Is(err, ErrSpliceUnsupported) {
			t.Errorf("%q: got %q, %v", c.cur, out, err)
		}
	}
}

// FuzzSpliceServers: splicing into any config either refuses or yields a
// config that parses and differs from the current one only in the chosen
// server.
func FuzzSpliceServers(f *testing.F) {
	for _, c := range spliceGolden {
		f.Add(c.format, c.current, goldenBackup[c.format], c.servers[0])
	}
	layouts := map[string]Layout{"json": jsonLayout, "jsonc": jsoncLayout, "toml": codexLayout, "vibe": vibeLayout}
	f.Fuzz(func(t *testing.T, format, cur, bak, name string) {
		l, ok := layouts[format]
		if !ok {
			return
		}
		out, err := SpliceServers(l, "", []byte(cur), []byte(bak), []string{name})
		if err != nil {
			return
		}
		got, err := Servers(l, []byte(strings.TrimPrefix(string(out), "\xef\xbb\xbf")))
		if err != nil {
			t.Fatalf("result does not parse: %v", err)
		}
		want, _ := Servers(l, []byte(strings.TrimPrefix(cur, "\xef\xbb\xbf")))
		from, _ := Servers(l, []byte(strings.TrimPrefix(bak, "\xef\xbb\xbf")))
		want[name] = from[name]
		if len(got) != len(want) {
			t.Fatalf("servers %d, want %d", len(got), len(want))
		}
		for n, def := range want {
			if got[n] != def {
				t.Fatalf("server %q differs", n)
			}
		}
		if rest(l, "", []byte(strings.TrimPrefix(cur, "\xef\xbb\xbf"))) != rest(l, "", []byte(strings.TrimPrefix(string(out), "\xef\xbb\xbf"))) {
			t.Fatal("more than the servers changed")
		}
	})
}

func TestSpliceSupported(t *testing.T) {
	for f, want := range map[string]bool{FormatJSON: true, FormatJSONC: true, FormatTOML: true, "yaml": false, "": false} {
		if SpliceSupported(f) != want {
			t.Errorf("%q: %v", f, !want)
		}
	}
}
