package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) importCommand() *cli.Command {
	return &cli.Command{
		Name:  "import",
		Usage: "adopt the copies hosts and tools left beside the configs as backups",
		Description: `Adopts the copies lying beside the configs as backups of their host:
Claude Code's ~/.claude/backups/.claude.json.backup.* and
~/.claude.json.corrupted.*, and the <config>.bak files of Goose and MCP
managers. Each is dated by its modification time, its original path is
the config it copies, and it is checked like any backup (a corrupted copy
is kept, marked as not parsing). The copies themselves are never moved,
changed or deleted; a copy already in the store is skipped, so running
import twice adopts nothing new. --dry-run lists each copy and whether
it would be adopted.

Examples:
  hatch-backup import --dry-run
  hatch-backup import --host claude-code --json`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "host", Usage: "only this `HOST` (repeatable; default: every host)"},
			&cli.BoolFlag{Name: "dry-run", Usage: "list the copies and what would be adopted, change nothing"},
		},
		Action: a.importCopies,
	}
}

// importCopyJSON is one copy in import's --json output.
type importCopyJSON struct {
	Path     string      `json:"path"`
	Hostname string      `json:"hostname"`
	Backup   *backupJSON `json:"backup,omitempty"`
}

type importJSON struct {
	Success bool             `json:"success"`
	DryRun  bool             `json:"dry_run"`
	Adopted []importCopyJSON `json:"adopted"`
	Skipped []importCopyJSON `json:"skipped"`
}

func (a *app) importCopies(c *cli.Context) (err error) {
	if err := noArgs(c, "--host HOST (repeatable) and --dry-run"); err != nil {
		return err
	}
	hosts := c.StringSlice("host")
	for _, h := range hosts {
		if _, err := store.LookupHost(h); err != nil {
			return err
		}
	}
	holdSignals(c.Context)
	s, err := a.open(c, c.Bool("dry-run"))
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Import(c.Context, store.ImportOptions{Hosts: hosts, DryRun: c.Bool("dry-run")})
	if err != nil {
		return err
	}
	if a.json {
		return a.writeJSON(importJSON{Success: true, DryRun: res.DryRun,
			Adopted: copiesJSON(res.Adopted), Skipped: copiesJSON(res.Skipped)})
	}
	return a.printImport(res)
}

func copiesJSON(list []store.ImportCopy) []importCopyJSON {
	out := []importCopyJSON{}
	for _, c := range list {
		j := importCopyJSON{Path: c.Path, Hostname: c.Host}
		if c.Backup != nil {
			b := toJSON(*c.Backup)
			j.Backup = &b
		}
		out = append(out, j)
	}
	return out
}

func (a *app) printImport(res store.ImportResult) error {
	adopt, skip := "adopted", "skipped"
	if res.DryRun {
		adopt, skip = "would adopt", "would skip"
	}
	for _, c := range res.Adopted {
		if c.Backup != nil {
			fmt.Fprintf(a.stdout, "%s %s (%s) as backup %s\n", adopt, shown(c.Path), c.Host, c.Backup.Timestamp)
		} else {
			fmt.Fprintf(a.stdout, "%s %s (%s)\n", adopt, shown(c.Path), c.Host)
		}
	}
	for _, c := range res.Skipped {
		why := c.Reason
		if c.Backup != nil {
			why += " as backup " + c.Backup.Timestamp
		}
		fmt.Fprintf(a.stdout, "%s %s (%s): %s\n", skip, shown(c.Path), c.Host, why)
	}
	_, err := fmt.Fprintf(a.stdout, "%d %s, %d %s\n", len(res.Adopted), adopt, len(res.Skipped), skip)
	return err
}
