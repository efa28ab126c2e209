package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// restoreServersJSON is restore --servers' --json output: restore's
// fields plus the names of the servers put back.
type restoreServersJSON struct {
	restoreJSON
	RestoredServers []string `json:"restored_servers"`
}

func (a *app) restoreServers(c *cli.Context, s *store.Store, host string) error {
	names := c.StringSlice("server")
	for _, n := range names {
		if n == "" {
			return usagef("--server needs a server name")
		}
	}
	project := c.String("project")
	if c.IsSet("project") && project == "" {
		return usagef("--project needs a project path")
	}
	res, err := s.RestoreServers(c.Context, store.RestoreServersOptions{
		Host: host, Timestamp: c.String("timestamp"), Servers: names, Project: project,
		To: c.String("to"), DryRun: c.Bool("dry-run"), NoBackup: c.Bool("no-backup"),
	})
	if err != nil {
		return err
	}
	if h, _ := store.LookupHost(host); h.RewritesOnStart && !res.DryRun && res.Changed {
		fmt.Fprintf(a.stderr, "hatch-backup: note: %s rewrites its config when it starts; quit it before restoring, or restore again after it has started\n", h.Display)
	}
	if a.json {
		out := restoreServersJSON{
			restoreJSON: restoreJSON{Success: true, DryRun: res.DryRun, Changed: res.Changed, Target: res.Target,
				Restored: toJSON(res.Restored)},
			RestoredServers: append([]string{}, res.RestoredServers...),
		}
		if res.SafetyBackup != nil {
			sb := toJSON(*res.SafetyBackup)
			out.SafetyBackup = &sb
		}
		return a.writeJSON(out)
	}
	return a.printRestoreServers(res)
}

func (a *app) printRestoreServers(res store.RestoreServersResult) error {
	list := quoteNames(res.RestoredServers)
	switch {
	case !res.Changed:
		_, err := fmt.Fprintf(a.stdout, "%s already holds the servers of backup %s: nothing to do\n", shown(res.Target), res.Restored.Timestamp)
		return err
	case res.DryRun:
		_, err := fmt.Fprintf(a.stdout, "would put back %s from backup %s into %s\n", list, res.Restored.Timestamp, shown(res.Target))
		return err
	}
	fmt.Fprintf(a.stdout, "put back %s from backup %s into %s\n", list, res.Restored.Timestamp, shown(res.Target))
	if res.SafetyBackup != nil {
		fmt.Fprintf(a.stdout, "previous content backed up to %s\n", shown(res.SafetyBackup.Path))
	}
	return nil
}

// quoteNames lists server names for a line of output.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	word := "servers "
	if len(names) == 1 {
		word = "server "
	}
	return word + strings.Join(q, ", ")
}
