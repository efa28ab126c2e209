package main

import (
	"encoding/base64"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) showCommand() *cli.Command {
	return &cli.Command{
		Name:  "show",
		Usage: "print a backup's original bytes",
		Description: `Prints the original bytes of the latest backup of --host (or the one at
--timestamp) on stdout, decompressed and checked against the index first:
a damaged backup is exit 3 and prints nothing. This is the one command
whose job is a config's content: it prints secrets as they are.

Examples:
  hatch-backup show --host cursor
  hatch-backup show --host vscode --timestamp 20250921_100000_123456 > old-mcp.json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "the MCP host (`HOST`)"},
			&cli.StringFlag{Name: "timestamp", Usage: "the backup's `TIMESTAMP` (default: the latest)"},
		},
		Action: a.show,
	}
}

func (a *app) show(c *cli.Context) (err error) {
	host, s, err := a.openForHost(c, true, "--host HOST and --timestamp TIMESTAMP")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	b, err := s.Find(c.Context, host, c.String("timestamp"))
	if err != nil {
		return err
	}
	if !a.json {
		// Checked first, then written as a stream: a config of any size
		// is shown in fixed memory, and never unverified.
		return s.WriteTo(a.stdout, b)
	}
	data, err := s.Read(b)
	if err != nil {
		return err
	}
	return a.writeJSON(toShowJSON(b, data))
}

// showJSON is show's --json output: the backup and its content, as text
// when it is UTF-8, else base64.
type showJSON struct {
	Backup        backupJSON `json:"backup"`
	Content       *string    `json:"content"`
	ContentBase64 *string    `json:"content_base64,omitempty"`
}

func toShowJSON(b store.Backup, data []byte) showJSON {
	j := showJSON{Backup: toJSON(b)}
	if utf8.Valid(data) {
		s := string(data)
		j.Content = &s
	} else {
		s := base64.StdEncoding.EncodeToString(data)
		j.ContentBase64 = &s
	}
	return j
}
