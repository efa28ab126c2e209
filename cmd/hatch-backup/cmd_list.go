package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list backups, newest first",
		Description: `Lists backups newest first, from the index. T is a backup timestamp,
a local date YYYY-MM-DD (--since from the start of that day, --until to
its end, both inclusive), an RFC 3339 instant, or an age such as 90m,
36h, 7d.

Examples:
  hatch-backup list
  hatch-backup list --host cursor --since 7d
  hatch-backup list --host vscode --host cursor --limit 20 --json`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "host", Usage: "only this `HOST` (repeatable)"},
			&cli.StringFlag{Name: "since", Usage: "only backups created at or after `T`"},
			&cli.StringFlag{Name: "until", Usage: "only backups created at or before `T`"},
			&cli.IntFlag{Name: "limit", Usage: "at most `N` backups (0: no limit)"},
		},
		Action: a.list,
	}
}

func (a *app) listQuery(c *cli.Context) (store.Query, error) {
	q := store.Query{Hosts: c.StringSlice("host"), Limit: c.Int("limit")}
	for _, h := range q.Hosts {
		if _, err := store.LookupHost(h); err != nil {
			return q, err
		}
	}
	if q.Limit < 0 {
		return q, usagef("--limit %d: must be 0 (no limit) or more", q.Limit)
	}
	now := time.Now()
	var err error
	if q.Since, err = parseTimeArg("since", c.String("since"), now, time.Local, false); err != nil {
		return q, err
	}
	if q.Until, err = parseTimeArg("until", c.String("until"), now, time.Local, true); err != nil {
		return q, err
	}
	return q, nil
}

func (a *app) list(c *cli.Context) (err error) {
	if err := noArgs(c, "--host HOST"); err != nil {
		return err
	}
	q, err := a.listQuery(c)
	if err != nil {
		return err
	}
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	if a.json {
		return a.listJSON(c, s, q)
	}
	n, now := 0, time.Now()
	for b, err := range s.List(c.Context, q) {
		if err != nil {
			return err
		}
		if n == 0 {
			tableHeader(a.stdout)
		}
		tableRow(a.stdout, b, now)
		n++
	}
	switch {
	case n == 0 && s.RootMissing():
		fmt.Fprintf(a.stderr, "hatch-backup: no backups found: backup root %s does not exist yet\n", s.Root())
	case n == 0:
		fmt.Fprintln(a.stderr, "hatch-backup: no backups found")
	}
	return nil
}

// listJSON streams the array one backup at a time: memory stays flat
// whatever the number of backups.
func (a *app) listJSON(c *cli.Context, s *store.Store, q store.Query) error {
	if _, err := fmt.Fprint(a.stdout, "["); err != nil {
		return err
	}
	sep := "\n"
	for b, err := range s.List(c.Context, q) {
		if err != nil {
			fmt.Fprintln(a.stdout, "]")
			a.json = false // the array is out; the error goes to stderr only
			return err
		}
		line, err := json.Marshal(toJSON(b))
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(a.stdout, "%s  %s", sep, line); err != nil {
			return err
		}
		sep = ",\n"
	}
	_, err := fmt.Fprintln(a.stdout, "\n]")
	return err
}
