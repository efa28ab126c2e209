package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"hatch-backup/store"
)

func (a *app) createCommand() *cli.Command {
	return &cli.Command{
		Name:  "create",
		Usage: "back up a host's config",
		Description: `Backs up the config of --host (its usual path, or --config PATH) into the
backup root and prints the backup's path. The file is durable before the
command returns.

Examples:
  hatch-backup create --host claude-desktop
  hatch-backup create --host vscode --config ~/work/.vscode/mcp.json --compress`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "the MCP host (`HOST`, see the README's host table)"},
			&cli.StringFlag{Name: "config", Usage: "back up this `PATH` instead of the host's usual config"},
			&cli.BoolFlag{Name: "compress", Usage: "store the backup zstd-compressed"},
		},
		Action: a.create,
	}
}

func (a *app) create(c *cli.Context) (err error) {
	if err := noArgs(c, "--host HOST (and --config PATH for another file)"); err != nil {
		return err
	}
	host, err := hostFlag(c)
	if err != nil {
		return err
	}
	s, err := a.open(c, false)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Create(c.Context, store.CreateOptions{Host: host, ConfigPath: c.String("config"), Compress: c.Bool("compress")})
	if err != nil {
		return err
	}
	if a.json {
		return a.writeJSON(resultToJSON(res))
	}
	_, err = fmt.Fprintln(a.stdout, res.Backup.Path)
	return err
}
