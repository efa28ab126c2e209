package main

import (
	"encoding/json"
	"fmt"
	"io"

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

// cleanJSON is clean's --json output, the shape cleanStream writes a
// verdict at a time.
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
	// Verdicts are printed as Clean makes them (a removed one once it is
	// gone): memory stays flat whatever the number of backups.
	if a.json {
		return a.cleanJSON(c, s, o)
	}
	t := cleanTable{w: a.stdout, keep: "kept", remove: "removed"}
	if o.DryRun {
		t.keep, t.remove = "keep", "remove"
	}
	o.Each = t.row
	res, err := s.Clean(c.Context, o)
	if err != nil {
		return err
	}
	verb := "removed"
	if res.DryRun {
		verb = "would remove"
	}
	_, err = fmt.Fprintf(a.stdout, "%s %d of %d backups\n", verb, res.RemovedCount, res.KeptCount+res.RemovedCount)
	return err
}

// cleanTable prints clean's verdicts a row at a time, by host and newest
// first, as they come.
type cleanTable struct {
	w            io.Writer
	keep, remove string
}

func (t cleanTable) row(v store.Verdict, removed bool) error {
	action := t.keep
	if removed {
		action = t.remove
	}
	_, err := fmt.Fprintf(t.w, "%-7s  %-14s  %-22s  %s\n", action, v.Host, v.Timestamp, v.Reason)
	return err
}

// cleanJSON runs Clean with its verdicts written as they come: the kept
// array first (all of it is known before anything is removed), then the
// removed one, each removed backup once it is gone. An error once the
// document has begun closes it and goes to stderr only.
func (a *app) cleanJSON(c *cli.Context, s *store.Store, o store.CleanOptions) error {
	js := &cleanStream{w: a.stdout, dryRun: o.DryRun}
	o.Each, o.KeptFirst = js.verdict, true
	_, err := s.Clean(c.Context, o)
	if js.begun || err == nil {
		if endErr := js.end(); err == nil {
			err = endErr
		}
		a.json = false // the document is out: an error goes to stderr only
	}
	return err
}

// cleanStream writes cleanJSON's document a verdict at a time, indented as
// writeJSON would.
type cleanStream struct {
	w       io.Writer
	dryRun  bool
	begun   bool // the document is open
	removed bool // the removed array is open (the kept one is closed)
	n       int  // items in the open array
	err     error
}

func (js *cleanStream) write(s string) {
	if js.err == nil {
		_, js.err = io.WriteString(js.w, s)
	}
}

func (js *cleanStream) begin() {
	if !js.begun {
		js.begun = true
		js.write(fmt.Sprintf("{\n  \"dry_run\": %t,\n  \"kept\": [", js.dryRun))
	}
}

// closeArray ends the open array, "]" alone when it is empty.
func (js *cleanStream) closeArray() {
	if js.n > 0 {
		js.write("\n  ]")
	} else {
		js.write("]")
	}
	js.n = 0
}

func (js *cleanStream) toRemoved() {
	if !js.removed {
		js.closeArray()
		js.removed = true
		js.write(",\n  \"removed\": [")
	}
}

func (js *cleanStream) verdict(v store.Verdict, removed bool) error {
	js.begin()
	if removed {
		js.toRemoved()
	}
	item, err := json.MarshalIndent(verdictJSON{backupJSON: toJSON(v.Backup), Reason: v.Reason}, "    ", "  ")
	if err != nil {
		return err
	}
	if js.n > 0 {
		js.write(",")
	}
	js.write("\n    " + string(item))
	js.n++
	return js.err
}

func (js *cleanStream) end() error {
	js.begin()
	js.toRemoved()
	js.closeArray()
	js.write("\n}\n")
	return js.err
}

func verdictsJSON(vs []store.Verdict) []verdictJSON {
	out := make([]verdictJSON, len(vs))
	for i, v := range vs {
		out[i] = verdictJSON{backupJSON: toJSON(v.Backup), Reason: v.Reason}
	}
	return out
}
