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

// buildInfo is what the program knows of its own build: the version (set
// at link time, else the module version go install records, else "dev")
// and, for a build from a checkout, the VCS revision it was built from.
type buildInfo struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"`
	Time     string `json:"revision_time,omitempty"`
	Modified bool   `json:"modified,omitempty"` // uncommitted changes in the checkout
}

func readBuildInfo() buildInfo {
	info := buildInfo{Version: "dev"}
	bi, ok := debug.ReadBuildInfo()
	if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	if buildVersion != "" {
		info.Version = buildVersion
	}
	if !ok {
		return info
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

// String is the version line's text: "v1.2.0", or "dev (rev 1a2b3c4d5e6f,
// modified)".
func (b buildInfo) String() string {
	if b.Revision == "" {
		return b.Version
	}
	rev := b.Revision[:min(12, len(b.Revision))]
	if b.Modified {
		rev += ", modified"
	}
	return b.Version + " (rev " + rev + ")"
}

func (a *app) versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version and the index schema version",
		Description: `Prints this program's version (the module version of a go install, else
"dev"), the VCS revision of a build from a checkout, the index schema
version it writes, and (--json) the Go version it was built with.

Examples:
  hatch-backup version
  hatch-backup version --json`,
		Action: func(c *cli.Context) error {
			if err := noArgs(c, "no arguments"); err != nil {
				return err
			}
			info := readBuildInfo()
			if a.json {
				return a.writeJSON(struct {
					buildInfo
					Schema uint32 `json:"schema"`
					Go     string `json:"go"`
				}{info, store.SchemaVersion(), runtime.Version()})
			}
			_, err := fmt.Fprintf(a.stdout, "hatch-backup %s\nindex schema %d\n", info, store.SchemaVersion())
			return err
		},
	}
}
