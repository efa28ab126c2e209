package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// buildVersion is set at link time (-ldflags "-X main.buildVersion=v1.2.3").
var buildVersion = ""

// version is the link-time version, else the module version, else "dev".
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (a *app) versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version and the index schema version",
		Description: `Prints this program's version, the index schema version it writes, and
the Go version it was built with.

Examples:
  hatch-backup version
  hatch-backup version --json`,
		Action: func(c *cli.Context) error {
			if err := noArgs(c, "no arguments"); err != nil {
				return err
			}
			if a.json {
				return a.writeJSON(map[string]any{"version": version(), "schema": store.SchemaVersion(), "go": runtime.Version()})
			}
			_, err := fmt.Fprintf(a.stdout, "hatch-backup %s\nindex schema %d\n", version(), store.SchemaVersion())
			return err
		},
	}
}
