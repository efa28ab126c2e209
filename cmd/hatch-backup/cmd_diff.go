package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// errDiffers is diff --exit-code's "they differ": exit 1, no message.
var errDiffers = errors.New("files differ")

func (a *app) diffCommand() *cli.Command {
	return &cli.Command{
		Name:  "diff",
		Usage: "what changed since a backup (secrets masked)",
		Description: `Prints a unified diff from the latest backup of --host (or the one at
--timestamp) to the current config (the path the backup was taken from),
or to --to PATH. Secrets are shown as *** on both sides: values under env
and headers, values of keys named like key, token, secret, password, auth,
secret arguments (-e NAME=VALUE, --token=X, --token X), URL passwords,
secret query parameters, values shaped like API keys, and the text of any
of these wherever else it appears (comments included). --servers prints
one line per MCP server added (+), removed (-) or changed (~), by name only.

Exit 0 whether or not they differ; with --exit-code, 1 when they differ
(as git diff); with --servers --exit-code, 1 when a server differs.

Examples:
  hatch-backup diff --host cursor
  hatch-backup diff --host codex --servers
  hatch-backup diff --host vscode --timestamp 20250921_100000_123456 --to ./mcp.json --exit-code`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "the MCP host (`HOST`)"},
			&cli.StringFlag{Name: "timestamp", Usage: "the backup's `TIMESTAMP` (default: the latest)"},
			&cli.StringFlag{Name: "to", Usage: "compare with `PATH` instead of the current config"},
			&cli.BoolFlag{Name: "servers", Usage: "one line per MCP server added, removed or changed"},
			&cli.BoolFlag{Name: "exit-code", Usage: "exit 1 when they differ"},
		},
		Action: a.diff,
	}
}

// diffJSON is diff's --json output. Diff is the masked unified diff
// (without --servers); Servers the changed servers by name (null without
// --servers).
type diffJSON struct {
	Differs bool               `json:"differs"`
	Backup  backupJSON         `json:"backup"`
	Target  string             `json:"target"`
	Servers []serverChangeJSON `json:"servers"`
	Diff    *string            `json:"diff,omitempty"`
}

type serverChangeJSON struct {
	Name   string `json:"name"`
	Change string `json:"change"`
}

func (a *app) diff(c *cli.Context) (err error) {
	host, s, err := a.openForHost(c, true, "--host HOST and --to PATH")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	servers := c.Bool("servers")
	r, err := s.Diff(c.Context, store.DiffOptions{Host: host, Timestamp: c.String("timestamp"), To: c.String("to"), Servers: servers})
	if err != nil {
		return err
	}
	switch {
	case a.json:
		err = a.writeJSON(toDiffJSON(r, servers))
	case servers:
		err = a.printServerChanges(r.Servers)
	default:
		_, err = fmt.Fprint(a.stdout, r.Text)
	}
	if err == nil && c.Bool("exit-code") && differs(r, servers) {
		return errDiffers
	}
	return err
}

// differs is what --exit-code reports: with --servers, whether any server
// was added, removed or changed (other bytes do not count); else whether
// the bytes differ.
func differs(r store.DiffResult, servers bool) bool {
	if servers {
		return len(r.Servers) > 0
	}
	return r.Differs
}

func (a *app) printServerChanges(changes []store.ServerChange) error {
	sign := map[string]string{"added": "+", "removed": "-", "changed": "~"}
	for _, ch := range changes {
		if _, err := fmt.Fprintf(a.stdout, "%s %s (%s)\n", sign[ch.Change], shown(ch.Name), ch.Change); err != nil {
			return err
		}
	}
	return nil
}

func toDiffJSON(r store.DiffResult, servers bool) diffJSON {
	j := diffJSON{Differs: r.Differs, Backup: toJSON(r.Backup), Target: r.Target}
	if !servers {
		j.Diff = &r.Text
		return j
	}
	j.Servers = make([]serverChangeJSON, len(r.Servers))
	for i, ch := range r.Servers {
		j.Servers[i] = serverChangeJSON{ch.Name, ch.Change}
	}
	return j
}
