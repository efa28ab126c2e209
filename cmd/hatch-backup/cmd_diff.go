package main

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/aymanbagabas/go-udiff"
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
or to --to PATH. Values that look secret (under env and headers, keys
named like key, token, secret, password, auth, and values shaped like API
keys) are shown as *** on both sides. --servers prints one line per MCP
server added (+), removed (-) or changed (~), by name only.

Exit 0 whether or not they differ; with --exit-code, 1 when they differ
(as git diff).

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

// diffJSON is diff's --json output. It never holds content: the changed
// servers by name, and whether the files differ.
type diffJSON struct {
	Differs bool               `json:"differs"`
	Backup  backupJSON         `json:"backup"`
	Target  string             `json:"target"`
	Servers []serverChangeJSON `json:"servers"` // null without --servers
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
	cmp, err := s.Compare(c.Context, store.CompareOptions{Host: host, Timestamp: c.String("timestamp"), To: c.String("to")})
	if err != nil {
		return err
	}
	differs := !bytes.Equal(cmp.Old, cmp.New)
	var changes []store.ServerChange
	if c.Bool("servers") {
		if changes, err = serverChanges(cmp); err != nil {
			return err
		}
	}
	if a.json {
		err = a.writeJSON(toDiffJSON(cmp, differs, changes, c.Bool("servers")))
	} else if c.Bool("servers") {
		err = a.printServerChanges(changes)
	} else {
		err = a.printDiff(cmp)
	}
	if err == nil && differs && c.Bool("exit-code") {
		return errDiffers
	}
	return err
}

// serverChanges compares the servers of both sides; a side that does not
// parse is named with its position.
func serverChanges(cmp store.Comparison) ([]store.ServerChange, error) {
	before, err := cmp.Host.Servers(cmp.Old)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w: %w", cmp.Backup.Path, store.ErrInvalid, err)
	}
	after, err := cmp.Host.Servers(cmp.New)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w: %w", cmp.Target, store.ErrInvalid, err)
	}
	return store.DiffServers(before, after), nil
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

// printDiff prints a unified diff of the raw lines, each shown masked.
func (a *app) printDiff(cmp store.Comparison) error {
	from := fmt.Sprintf("%s (backup %s)", cmp.Backup.OriginalPath, cmp.Backup.Timestamp)
	if cmp.Backup.OriginalPath == "" {
		from = cmp.Backup.Path
	}
	out, err := maskedDiff(cmp.Host.Format, from, cmp.Target, cmp.Old, cmp.New)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(a.stdout, out)
	return err
}

// maskedDiff diffs old and new line by line as they are, and prints each
// line masked: a change that only touches a secret still shows as a
// changed line, with *** on both sides.
func maskedDiff(format, fromName, toName string, old, new []byte) (string, error) {
	edits := udiff.Lines(string(old), string(new))
	u, err := udiff.ToUnifiedDiff(fromName, toName, string(old), edits, udiff.DefaultContextLines)
	if err != nil {
		return "", err
	}
	oldLines := strings.SplitAfter(maskSecrets(format, old), "\n")
	newLines := strings.SplitAfter(maskSecrets(format, new), "\n")
	for _, h := range u.Hunks {
		oi, ni := h.FromLine-1, h.ToLine-1
		for k := range h.Lines {
			l := &h.Lines[k]
			switch l.Kind {
			case udiff.Delete:
				l.Content = lineAt(oldLines, oi)
				oi++
			case udiff.Insert:
				l.Content = lineAt(newLines, ni)
				ni++
			default:
				l.Content = lineAt(newLines, ni)
				oi++
				ni++
			}
		}
	}
	return u.String(), nil
}

// lineAt is lines[i], or a mask should the counts ever disagree: a line is
// never shown unmasked.
func lineAt(lines []string, i int) string {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return mask + "\n"
}

func toDiffJSON(cmp store.Comparison, differs bool, changes []store.ServerChange, servers bool) diffJSON {
	j := diffJSON{Differs: differs, Backup: toJSON(cmp.Backup), Target: cmp.Target}
	if servers {
		j.Servers = make([]serverChangeJSON, len(changes))
		for i, ch := range changes {
			j.Servers[i] = serverChangeJSON{ch.Name, ch.Change}
		}
	}
	return j
}
