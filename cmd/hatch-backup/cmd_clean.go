package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) cleanCommand() *cli.Command {
	return &cli.Command{
		Name:  "clean",
		Usage: "remove old backups by a retention policy",
		Description: `Removes the backups a retention policy does not keep, deciding from the
index. A backup is a removal candidate when it is older than
--older-than-days (more than N x 24 h), or not among the --keep-count
newest of its host; at least one of the two is required. A candidate is
kept anyway when it is the newest backup of its host (always), or the
newest of one of the last N days, ISO weeks or months (--keep-daily,
--keep-weekly, --keep-monthly; local time). Each host is judged on its
own. --dry-run prints every backup with keep or remove and the reason, and
changes nothing.

With --remote s3://BUCKET/PREFIX (or a bare --remote and $HATCH_REMOTE)
the policy applies to the remote's
backups instead (local ones are untouched): a catalogue segment records
the removal, then the objects are deleted; a later push does not upload
the removed backups again.

Examples:
  hatch-backup clean --older-than-days 30 --dry-run
  hatch-backup clean --keep-count 10 --keep-daily 7 --keep-weekly 4
  hatch-backup clean --host cursor --older-than-days 90 --keep-monthly 12 --json`,
		Flags: append([]cli.Flag{
			&cli.StringSliceFlag{Name: "host", Usage: "only this `HOST` (repeatable; default: every host)"},
			&cli.IntFlag{Name: "older-than-days", Usage: "remove backups created more than `N` x 24 h ago"},
			&cli.IntFlag{Name: "keep-count", Usage: "remove all but the `N` newest backups of each host"},
			&cli.IntFlag{Name: "keep-daily", Usage: "keep the newest backup of each of the last `N` days"},
			&cli.IntFlag{Name: "keep-weekly", Usage: "keep the newest backup of each of the last `N` ISO weeks"},
			&cli.IntFlag{Name: "keep-monthly", Usage: "keep the newest backup of each of the last `N` months"},
			&cli.BoolFlag{Name: "dry-run", Usage: "print what would be kept and removed, change nothing"},
		}, remoteFlags()...),
		Action: a.clean,
	}
}

// verdictJSON is a backup object with clean's reason.
type verdictJSON struct {
	backupJSON
	Reason string `json:"reason"`
}

// cleanJSON is clean's --json output.
type cleanJSON struct {
	DryRun  bool          `json:"dry_run"`
	Kept    []verdictJSON `json:"kept"`
	Removed []verdictJSON `json:"removed"`
}

// cleanOptions reads and checks clean's flags, before anything is opened.
func cleanOptions(c *cli.Context) (store.CleanOptions, error) {
	o := store.CleanOptions{Hosts: c.StringSlice("host"), DryRun: c.Bool("dry-run")}
	for _, h := range o.Hosts {
		if _, err := store.LookupHost(h); err != nil {
			return o, err
		}
	}
	optional := func(name string) *int {
		if !c.IsSet(name) {
			return nil
		}
		n := c.Int(name)
		return &n
	}
	o.Policy = store.Policy{
		OlderThanDays: optional("older-than-days"),
		KeepCount:     optional("keep-count"),
		KeepDaily:     c.Int("keep-daily"),
		KeepWeekly:    c.Int("keep-weekly"),
		KeepMonthly:   c.Int("keep-monthly"),
	}
	if err := o.Policy.Validate(); err != nil {
		return o, usagef("%s", err)
	}
	return o, nil
}

func (a *app) clean(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--older-than-days N or --keep-count N"); err != nil {
		return err
	}
	o, err := cleanOptions(c)
	if err != nil {
		return err
	}
	o.Progress = a.progress("clean")
	if c.IsSet("remote") {
		return a.cleanRemote(c, o)
	}
	s, err := a.open(c, o.DryRun)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Clean(c.Context, o)
	if err != nil {
		return err
	}
	if a.json {
		return a.writeJSON(cleanJSON{DryRun: res.DryRun, Kept: verdictsJSON(res.Kept), Removed: verdictsJSON(res.Removed)})
	}
	return a.printClean(res)
}

func verdictsJSON(vs []store.Verdict) []verdictJSON {
	out := make([]verdictJSON, len(vs))
	for i, v := range vs {
		out[i] = verdictJSON{backupJSON: toJSON(v.Backup), Reason: v.Reason}
	}
	return out
}

// printClean prints every backup judged, by host and newest first, then
// a summary line.
func (a *app) printClean(res store.CleanResult) error {
	keep, remove := "kept", "removed"
	if res.DryRun {
		keep, remove = "keep", "remove"
	}
	type row struct {
		action string
		v      store.Verdict
	}
	var rows []row
	for _, v := range res.Kept {
		rows = append(rows, row{keep, v})
	}
	for _, v := range res.Removed {
		rows = append(rows, row{remove, v})
	}
	slices.SortStableFunc(rows, func(x, y row) int {
		if c := strings.Compare(x.v.Host, y.v.Host); c != 0 {
			return c
		}
		return y.v.Created.Compare(x.v.Created)
	})
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%-7s  %-14s  %-22s  %s\n", r.action, r.v.Host, r.v.Timestamp, r.v.Reason)
	}
	verb := "removed"
	if res.DryRun {
		verb = "would remove"
	}
	fmt.Fprintf(&b, "%s %d of %d backups\n", verb, len(res.Removed), len(rows))
	_, err := fmt.Fprint(a.stdout, b.String())
	return err
}
