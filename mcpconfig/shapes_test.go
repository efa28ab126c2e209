package mcpconfig

import (
	"strings"
	"testing"
)

// shapeCases: one server holding a secret in each way the issue found
// shown, as JSON and as TOML. Each secret is unlike an API key, so the
// test sees the rule at work and not the key shape.
var shapeCases = []struct {
	name, json, toml, secret string
}{
	{"-e NAME=VALUE in args",
		`{"command": "docker", "args": ["run", "-i", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN=S1-e-arg-value", "ghcr.io/github/github-mcp-server"]}`,
		`command = "docker"` + "\n" + `args = ["run", "-i", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN=S1-e-arg-value", "ghcr.io/github/github-mcp-server"]`,
		"S1-e-arg-value"},
	{"-e with a plain name", `{"args": ["-e", "DATABASE_URL=S2plainname"]}`, `args = ["-e", "DATABASE_URL=S2plainname"]`, "S2plainname"},
	{"--env NAME=VALUE", `{"args": ["--env", "LEVEL=S3envflag"]}`, `args = ["--env", "LEVEL=S3envflag"]`, "S3envflag"},
	{"postgresql password", `{"args": ["postgresql://admin:S4pgpass@db.local:5432/app"]}`,
		`args = ["postgresql://admin:S4pgpass@db.local:5432/app"]`, "S4pgpass"},
	{"https userinfo password", `{"url": "https://user:S5webpass@mcp.example.com/sse"}`,
		`url = "https://user:S5webpass@mcp.example.com/sse"`, "S5webpass"},
	{"?api_key=", `{"url": "https://mcp.example.com/sse?api_key=S6query&region=eu"}`,
		`url = "https://mcp.example.com/sse?api_key=S6query&region=eu"`, "S6query"},
	{"&token=", `{"url": "https://mcp.example.com/sse?region=eu&token=S7query"}`,
		`url = "https://mcp.example.com/sse?region=eu&token=S7query"`, "S7query"},
	{"--password=X", `{"args": ["--password=S8pwflag"]}`, `args = ["--password=S8pwflag"]`, "S8pwflag"},
	{"--api-key=X", `{"args": ["--api-key=S9apikey"]}`, `args = ["--api-key=S9apikey"]`, "S9apikey"},
	{"--api-key=sk-", `{"args": ["--api-key=sk-S10abcdefgh"]}`, `args = ["--api-key=sk-S10abcdefgh"]`, "sk-S10abcdefgh"},
	{"--token X", `{"args": ["serve", "--token", "S11tokval", "--port", "8080"]}`,
		`args = ["serve", "--token", "S11tokval", "--port", "8080"]`, "S11tokval"},
	{"--client-secret X", `{"args": ["--client-secret", "S12csecret"]}`, `args = ["--client-secret", "S12csecret"]`, "S12csecret"},
	{"env value", `{"command": "npx", "env": {"REGION": "S13envval"}}`, "command = \"npx\"\nenv = { REGION = \"S13envval\" }", "S13envval"},
	{"header value", `{"url": "https://h/mcp", "headers": {"X-Team": "S14header"}}`,
		"url = \"https://h/mcp\"\nhttp_headers = { \"X-Team\" = \"S14header\" }", "S14header"},
	{"secret-named key", `{"apiKey": "S15keyval"}`, `api_key = "S15keyval"`, "S15keyval"},
	{"API_TOKEN=X arg", `{"args": ["API_TOKEN=S16nameval"]}`, `args = ["API_TOKEN=S16nameval"]`, "S16nameval"},
	{"header as one arg", `{"args": ["--header", "X-Api-Key: S17hdrarg"]}`, `args = ["--header", "X-Api-Key: S17hdrarg"]`, "S17hdrarg"},
	{"password number", `{"password": 98765432}`, `password = 98765432`, "98765432"},
}

// shapeDoc puts server into a whole config of format, with the secret
// repeated in a plain value and (where the format has them) in a comment.
func shapeDoc(format, server, secret string) string {
	switch format {
	case FormatTOML:
		return "# old value: " + secret + "\n[mcp_servers.srv]\n" + server +
			"\n\n[mcp_servers.other]\ncommand = \"node\" # keep\ndescription = \"was " + secret + "\"\n"
	case FormatJSONC:
		return "{\n  // old value: " + secret + "\n  \"servers\": {\n    \"srv\": " + server + ",\n" +
			"    /* was " + secret + " */ \"other\": {\"command\": \"node\", \"description\": \"was " + secret + "\",},\n  },\n}\n"
	}
	return "{\n  \"mcpServers\": {\n    \"srv\": " + server + ",\n" +
		"    \"other\": {\"command\": \"node\", \"description\": \"was " + secret + "\"}\n  }\n}\n"
}

// TestMaskShapes: in each format, the secret appears nowhere, and the
// text is exactly the input with the secret's text replaced.
func TestMaskShapes(t *testing.T) {
	for _, c := range shapeCases {
		for _, format := range []string{FormatJSON, FormatJSONC, FormatTOML} {
			t.Run(format+"/"+c.name, func(t *testing.T) {
				server := c.json
				if format == FormatTOML {
					server = c.toml
				}
				in := shapeDoc(format, server, c.secret)
				if _, err := Parse(format, []byte(in)); err != nil {
					t.Fatalf("test config does not parse: %v\n%s", err, in)
				}
				got := Mask(format, []byte(in))
				if want := strings.ReplaceAll(in, c.secret, mask); got != want {
					t.Errorf("got:\n%s\nwant:\n%s", got, want)
				}
			})
		}
	}
}

// TestMaskShapesUnparsed: the same configs cut short so they no longer
// parse: the secret is still masked, by the scan or by shape, and so are
// its copies in comments and other values.
func TestMaskShapesUnparsed(t *testing.T) {
	for _, c := range shapeCases {
		for _, format := range []string{FormatJSON, FormatJSONC, FormatTOML} {
			t.Run(format+"/"+c.name, func(t *testing.T) {
				server := c.json
				if format == FormatTOML {
					server = c.toml + "\n= broken"
				}
				in := shapeDoc(format, server, c.secret)
				if format != FormatTOML {
					in = in[:strings.LastIndex(in, "}")]
				}
				if _, err := Parse(format, []byte(in)); err == nil {
					t.Fatalf("test config parses:\n%s", in)
				}
				got := Mask(format, []byte(in))
				if strings.Contains(got, c.secret) {
					t.Errorf("shows %q:\n%s", c.secret, got)
				}
				checkMasked(t, in, got, nil, nil)
			})
		}
	}
}

func TestMaskTOMLMultiline(t *testing.T) {
	in := "# cert was S9line-one\n[mcp_servers.x]\ncommand = \"npx\"\n\n[mcp_servers.x.env]\nCERT = \"\"\"\nS9line-one\n  S9line-two\n\"\"\"\nKEY = '''S9lit-one\nS9lit-two'''\nSHORT = \"\"\"\nab\n\"\"\"\n\n[mcp_servers.y]\nnote = \"\"\"\nplain text\n\"\"\"\n"
	got := Mask(FormatTOML, []byte(in))
	checkMasked(t, in, got,
		[]string{"[mcp_servers.x.env]", "CERT = \"\"\"\n***\n***\n\"\"\"", "KEY = '''***\n***'''", "SHORT = \"\"\"\n***\n", "note = \"\"\"\nplain text\n\"\"\"", "# cert was ***"},
		[]string{"S9line", "S9lit", "ab\n"})
	// Unparsable: the scan alone masks the lines of the multi-line value.
	broken := strings.Replace(in, "command = \"npx\"", "command = ", 1)
	got = Mask(FormatTOML, []byte(broken))
	checkMasked(t, broken, got, []string{"CERT = \"\"\"\n***\n***\n\"\"\""}, []string{"S9line-two", "S9lit"})
}

func TestMaskShortValuesStayLocal(t *testing.T) {
	in := `{"env": {"DEBUG": "on"}, "args": ["--mode", "on"], "description": "turn it on"}`
	got := Mask(FormatJSON, []byte(in))
	checkMasked(t, in, got, []string{`"DEBUG": "***"`, `"--mode", "on"`, `turn it on`}, nil)
}

// TestMaskPair: a secret that one side holds in env and the other only in
// a comment is masked on both.
func TestMaskPair(t *testing.T) {
	old := "{\n \"servers\": {\"a\": {\"env\": {\"K\": \"S20moved\"}}}\n}\n"
	new := "{\n // K was S20moved\n \"servers\": {\"a\": {}}\n}\n"
	a, b := MaskPair(FormatJSONC, []byte(old), []byte(new))
	for _, s := range []string{a, b} {
		if strings.Contains(s, "S20moved") {
			t.Errorf("shows the secret:\n%s", s)
		}
	}
}
