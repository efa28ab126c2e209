package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// verifyRemote is verify --remote: it checks every backup of the remote
// and changes nothing.
func (a *app) verifyRemote(c *cli.Context) error {
	r, err := a.openRemote(c, false)
	if err != nil {
		return err
	}
	res, err := store.VerifyRemote(c.Context, r, a.progress("verify"))
	if err != nil {
		return err
	}
	if a.json {
		err = a.writeJSON(verifyJSON{Checked: res.Checked, Problems: problemsToJSON(res.Problems), Warnings: problemsToJSON(res.Warnings)})
	} else {
		printProblems(a.stdout, res.Problems)
		fmt.Fprintf(a.stdout, "checked %d remote backups: %s\n", res.Checked, countProblems(len(res.Problems)))
	}
	if err == nil && len(res.Problems) > 0 {
		err = fmt.Errorf("verify %s: %s: %w", c.String("remote"), countProblems(len(res.Problems)), store.ErrIntegrity)
	}
	return err
}
