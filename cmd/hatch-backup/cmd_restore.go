package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) restoreCommand() *cli.Command {
	return &cli.Command{
		Name:  "restore",
		Usage: "put a backup back in place, atomically",
		Description: `Restores the latest backup of --host that is not a safety backup (or
the one at --timestamp) to the path it was taken from (or --to PATH). The backup's checksum is verified
first, the current file is backed up (unless --no-backup), and the file
is replaced atomically, keeping its mode; a symlinked config stays a
link. --dry-run says what would happen and changes nothing.

--servers puts back only MCP server entries, leaving every other byte of
the current config as it is (what the application wrote since the backup
stays): the servers of the backup that the config lacks, or with --server
NAME exactly those, replacing a changed one. Without --timestamp it takes
the latest backup holding such a server. --project PATH (claude-code) works
on that project's servers. --server and --project imply --servers.

Examples:
  hatch-backup restore --host cursor
  hatch-backup restore --host vscode --timestamp 20250921_100000_123456
  hatch-backup restore --host claude-desktop --to ./claude.json --dry-run
  hatch-backup restore --host claude-code --servers
  hatch-backup restore --host codex --servers --server github --dry-run`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "the MCP host (`HOST`)"},
			&cli.StringFlag{Name: "timestamp", Usage: "the backup's `TIMESTAMP` (YYYYMMDD_HHMMSS_ffffff; default: the latest)"},
			&cli.StringFlag{Name: "to", Usage: "restore to `PATH` instead of the original config path"},
			&cli.BoolFlag{Name: "dry-run", Usage: "say what would be restored where, change nothing"},
			&cli.BoolFlag{Name: "no-backup", Usage: "do not back up the current content first"},
			&cli.BoolFlag{Name: "servers", Usage: "put back only MCP server entries, keep the rest of the current config"},
			&cli.StringSliceFlag{Name: "server", Usage: "with --servers: put back the server `NAME` (repeatable), replacing a changed one"},
			&cli.StringFlag{Name: "project", Usage: "with --servers (claude-code): the servers of the project at `PATH`"},
		},
		Action: a.restore,
	}
}

// restoreJSON is restore's --json output.
type restoreJSON struct {
	Success      bool        `json:"success"`
	DryRun       bool        `json:"dry_run"`
	Changed      bool        `json:"changed"`
	Target       string      `json:"target"`
	Restored     backupJSON  `json:"restored"`
	SafetyBackup *backupJSON `json:"safety_backup"`
}

func (a *app) restore(c *cli.Context) (err error) {
	holdSignals(c.Context)
	host, s, err := a.openForHost(c, c.Bool("dry-run"), "--host HOST and --timestamp TIMESTAMP")
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	if c.Bool("servers") || c.IsSet("server") || c.IsSet("project") {
		return a.restoreServers(c, s, host)
	}
	if b, err := s.FindToRestore(c.Context, host, c.String("timestamp")); err == nil && b.Unparsable() {
		fmt.Fprintf(a.stderr, "hatch-backup: warning: backup %s of %s did not parse as %s when it was taken; restoring it as it is\n",
			b.Timestamp, host, hostFormat(host))
	}
	res, err := s.Restore(c.Context, store.RestoreOptions{
		Host: host, Timestamp: c.String("timestamp"), To: c.String("to"),
		DryRun: c.Bool("dry-run"), NoBackup: c.Bool("no-backup"),
	})
	if err != nil {
		return err
	}
	if h, _ := store.LookupHost(host); h.RewritesOnStart && !res.DryRun && res.Changed {
		fmt.Fprintf(a.stderr, "hatch-backup: note: %s rewrites its config when it starts; quit it before restoring, or restore again after it has started\n", h.Display)
	}
	if a.json {
		out := restoreJSON{Success: true, DryRun: res.DryRun, Changed: res.Changed, Target: res.Target, Restored: toJSON(res.Restored)}
		if res.SafetyBackup != nil {
			sb := toJSON(*res.SafetyBackup)
			out.SafetyBackup = &sb
		}
		return a.writeJSON(out)
	}
	return a.printRestore(res)
}

func (a *app) printRestore(res store.RestoreResult) error {
	differs := "content differs"
	if !res.Changed {
		differs = "content is identical"
	}
	if res.DryRun {
		_, err := fmt.Fprintf(a.stdout, "would restore %s (%s) to %s: %s\n", shown(res.Restored.Path), res.Restored.Timestamp, shown(res.Target), differs)
		return err
	}
	if !res.Changed {
		_, err := fmt.Fprintf(a.stdout, "%s already holds backup %s: nothing to do\n", res.Target, res.Restored.Timestamp)
		return err
	}
	fmt.Fprintf(a.stdout, "restored %s (%s) to %s\n", shown(res.Restored.Path), res.Restored.Timestamp, shown(res.Target))
	if res.SafetyBackup != nil {
		fmt.Fprintf(a.stdout, "previous content backed up to %s\n", shown(res.SafetyBackup.Path))
	}
	return nil
}

func hostFormat(name string) string {
	h, _ := store.LookupHost(name)
	return h.Format
}
