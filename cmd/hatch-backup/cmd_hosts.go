package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) hostsCommand() *cli.Command {
	return &cli.Command{
		Name:  "hosts",
		Usage: "supported hosts, where their config is, and their latest backup",
		Description: `Lists every supported MCP host with its config path on this machine
(after the host's own variables: CLAUDE_CONFIG_DIR, CODEX_HOME, VIBE_HOME,
CLINE_MCP_SETTINGS_PATH, CLINE_DATA_DIR, CLINE_DIR, GOOSE_PATH_ROOT,
CONTINUE_GLOBAL_DIR, COPILOT_HOME, AMP_SETTINGS_FILE,
FLATPAK_XDG_CONFIG_HOME, XDG_CONFIG_HOME, APPDATA, LOCALAPPDATA), whether
the file exists, its size, its format, and its latest backup. A config
path that holds a folder or another non-regular file shows "(not a file)"
and no size (--json: "size": null and "problem"). Cline has two rows:
cline (the VS Code extension's file) and cline-cli (~/.cline, for the CLI
and JetBrains).

Examples:
  hatch-backup hosts
  hatch-backup hosts --json`,
		Action: a.hosts,
	}
}

// hostJSON is one row of hosts --json.
type hostJSON struct {
	Hostname   string      `json:"hostname"`
	Display    string      `json:"display_name"`
	Path       string      `json:"path"`
	Exists     bool        `json:"exists"`
	Size       *int64      `json:"size"`    // null when there is no config file there
	Problem    *string     `json:"problem"` // why what is there is no config ("not a file: a folder"); null when none
	Format     string      `json:"format"`
	ServersKey string      `json:"servers_key"`
	Latest     *backupJSON `json:"latest"`
}

func (a *app) hosts(c *cli.Context) (err error) {
	if err := noArgs(c, "no arguments"); err != nil {
		return err
	}
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	sts, err := s.HostStatuses(c.Context)
	if err != nil {
		return err
	}
	if a.json {
		out := make([]hostJSON, len(sts))
		for i, st := range sts {
			out[i] = toHostJSON(st)
		}
		return a.writeJSON(out)
	}
	now := time.Now()
	fmt.Fprintf(a.stdout, "%-14s  %-6s  %8s  %-30s  %s\n", "HOST", "FORMAT", "SIZE", "LATEST BACKUP", "CONFIG PATH")
	for _, st := range sts {
		size, latest := "-", "never"
		if st.Exists && st.Problem == "" {
			size = humanSize(st.Size)
		}
		if st.Latest != nil {
			latest = st.Latest.Created.Local().Format("2006-01-02 15:04") + " (" + humanAge(now.Sub(st.Latest.Created)) + ")"
		}
		path := shown(st.Path)
		switch {
		case !st.Exists:
			path += " (missing)"
		case st.Problem != "":
			path += " (" + st.Problem + ")"
		}
		fmt.Fprintf(a.stdout, "%-14s  %-6s  %8s  %-30s  %s\n", st.Host.Name, st.Host.Format, size, latest, path)
	}
	return nil
}

func toHostJSON(st store.HostStatus) hostJSON {
	j := hostJSON{Hostname: st.Host.Name, Display: st.Host.Display, Path: st.Path, Exists: st.Exists,
		Format: st.Host.Format, ServersKey: st.Host.ServersKey}
	if st.Exists && st.Problem == "" {
		j.Size = &st.Size
	}
	if st.Problem != "" {
		j.Problem = &st.Problem
	}
	if st.Latest != nil {
		b := toJSON(*st.Latest)
		j.Latest = &b
	}
	return j
}
