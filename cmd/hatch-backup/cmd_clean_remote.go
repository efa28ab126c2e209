package main

import (
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
	return a.printClean(res)
}
