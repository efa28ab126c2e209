package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) runsCommand() *cli.Command {
	return &cli.Command{
		Name:  "runs",
		Usage: "list the change sets of guard and undo, newest first",
		Description: `Lists the recorded change sets, newest first: id, start, exit code, the
hosts whose config changed, and the command line (arguments that look
like secrets masked).

Examples:
  hatch-backup runs
  hatch-backup runs --limit 5 --json`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "limit", Value: 20, Usage: "show at most `N` change sets (0: all)"},
		},
		Action: a.runs,
	}
}

func (a *app) runs(c *cli.Context) (err error) {
	if err := noArgs(c, "--limit N"); err != nil {
		return err
	}
	limit := c.Int("limit")
	if limit < 0 {
		return usagef("--limit %d: must not be negative", limit)
	}
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	var sets []store.ChangeSet
	err = s.ChangeSets(c.Context, func(cs store.ChangeSet) bool {
		sets = append(sets, cs)
		return limit == 0 || len(sets) < limit
	})
	if err != nil {
		return err
	}
	if a.json {
		out := make([]changeSetJSON, len(sets))
		for i, cs := range sets {
			out[i] = changeSetToJSON(cs, s.Report(c.Context, cs))
		}
		return a.writeJSON(out)
	}
	if len(sets) == 0 {
		fmt.Fprintln(a.stderr, "hatch-backup: no change set recorded (guard -- COMMAND records one)")
		return nil
	}
	fmt.Fprintf(a.stdout, "%-4s  %-19s  %-5s  %-24s  %s\n", "ID", "START", "EXIT", "HOSTS CHANGED", "COMMAND")
	for _, cs := range sets {
		var hosts []string
		for _, r := range s.Report(c.Context, cs) {
			hosts = append(hosts, r.Host)
		}
		exit := "-"
		if cs.Complete {
			exit = fmt.Sprint(cs.ExitCode)
		}
		command := shownCommand(cs.Command)
		if cs.Undoes != 0 {
			command = fmt.Sprintf("undo of %d", cs.Undoes)
		}
		if !cs.Complete {
			command += " (interrupted)"
		}
		fmt.Fprintf(a.stdout, "%-4d  %-19s  %-5s  %-24s  %s\n", cs.ID, cs.Start.Local().Format(time.DateTime), exit,
			orDash(strings.Join(hosts, ",")), command)
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
