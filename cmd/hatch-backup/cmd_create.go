package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) createCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "back up a host's config (or every host's, with --all)",
		Description: `Backs up the config of --host (its usual path, or --config PATH) into the
backup root and prints the backup's path. The file is durable before the
command returns. The config is checked against its host's format (JSON,
JSONC, TOML); one that does not parse is still backed up as it is, with
a warning naming the path and the position.

--all backs up every host whose config exists: one failing host does not
stop the others, and the exit code is 1 if any failed (10 if no config
was found at all). --skip-unchanged writes nothing when the config equals
the latest backup of the same path, and says so.

Examples:
  hatch-backup create --host claude-desktop
  hatch-backup create --host vscode --config ~/work/.vscode/mcp.json --compress
  hatch-backup create --all --skip-unchanged`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "the MCP host (`HOST`, see the hosts command)"},
			&cli.BoolFlag{Name: "all", Usage: "back up every host whose config exists"},
			&cli.StringFlag{Name: "config", Usage: "back up this `PATH` instead of the host's usual config"},
			&cli.BoolFlag{Name: "compress", Usage: "store the backup zstd-compressed"},
			&cli.BoolFlag{Name: "skip-unchanged", Usage: "write nothing when the config equals its latest backup"},
		},
		Action: a.create,
	}
}

func (a *app) create(c *cli.Context) (err error) {
	if err := noArgs(c, "--host HOST (and --config PATH for another file), or --all"); err != nil {
		return err
	}
	if c.Bool("all") {
		return a.createAll(c)
	}
	host, err := hostFlag(c)
	if err != nil {
		return err
	}
	holdSignals(c.Context)
	s, err := a.open(c, false)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Create(c.Context, store.CreateOptions{Host: host, ConfigPath: c.String("config"),
		Compress: c.Bool("compress"), SkipUnchanged: c.Bool("skip-unchanged")})
	if err != nil {
		return err
	}
	if a.json {
		return a.writeJSON(resultToJSON(res))
	}
	if res.Skipped {
		fmt.Fprintf(a.stderr, "hatch-backup: %s is unchanged since backup %s: nothing written\n", shown(res.Backup.OriginalPath), res.Backup.Timestamp)
	}
	_, err = fmt.Fprintln(a.stdout, shown(res.Backup.Path))
	return err
}

func (a *app) createAll(c *cli.Context) (err error) {
	interruptible(c.Context)
	if c.IsSet("host") || c.IsSet("config") {
		return usagef("--all backs up every host at its usual path: drop --host and --config")
	}
	s, err := a.open(c, false)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	results, err := s.CreateAll(c.Context, store.CreateAllOptions{Compress: c.Bool("compress"),
		SkipUnchanged: c.Bool("skip-unchanged"), Progress: a.progress("create --all")})
	if len(results) == 0 {
		return err
	}
	if werr := a.printCreateAll(results); werr != nil {
		return werr
	}
	if err != nil {
		a.json = false // the array is out and says which failed; the summary goes to stderr
		return fmt.Errorf("create --all: %w", err)
	}
	return nil
}

func (a *app) printCreateAll(results []store.HostResult) error {
	if a.json {
		out := make([]resultJSON, len(results))
		for i, r := range results {
			out[i] = hostResultToJSON(r)
		}
		return a.writeJSON(out)
	}
	for _, r := range results {
		var err error
		switch {
		case r.Err != nil:
			_, err = fmt.Fprintf(a.stdout, "%-14s  failed: %s\n", r.Host, oneLine(r.Err))
		case r.Result.Skipped:
			_, err = fmt.Fprintf(a.stdout, "%-14s  unchanged: %s\n", r.Host, shown(r.Result.Backup.Path))
		default:
			_, err = fmt.Fprintf(a.stdout, "%-14s  %s\n", r.Host, shown(r.Result.Backup.Path))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func hostResultToJSON(r store.HostResult) resultJSON {
	if r.Err != nil {
		msg := oneLine(r.Err)
		return resultJSON{Hostname: r.Host, ErrorMessage: &msg}
	}
	j := resultToJSON(r.Result)
	j.Hostname = r.Host
	return j
}
