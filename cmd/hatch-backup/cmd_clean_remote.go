package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// cleanRemote is clean --remote: the policy applied to the remote's
// catalogue, with this machine's clock and zone. The local store is only
// read (for its clock and zone), never changed.
func (a *app) cleanRemote(c *cli.Context, o store.CleanOptions) (err error) {
	r, err := a.openRemote(c, false)
	if err != nil {
		return err
	}
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.CleanRemote(c.Context, r, o)
	if err != nil {
		return err
	}
	if a.json {
		return a.writeJSON(cleanJSON{DryRun: res.DryRun, Kept: verdictsJSON(res.Kept), Removed: verdictsJSON(res.Removed)})
	}
	t := cleanTable{w: a.stdout, keep: "kept", remove: "removed"}
	verb := "removed"
	if res.DryRun {
		t.keep, t.remove, verb = "keep", "remove", "would remove"
	}
	for _, v := range res.Kept {
		if err := t.row(v, false); err != nil {
			return err
		}
	}
	for _, v := range res.Removed {
		if err := t.row(v, true); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(a.stdout, "%s %d of %d backups\n", verb, len(res.Removed), len(res.Kept)+len(res.Removed))
	return err
}
