package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) pullCommand() *cli.Command {
	return &cli.Command{
		Name:  "pull",
		Usage: "copy the backups this store lacks from an encrypted S3 remote",
		Description: `Downloads the remote backups that the local store lacks (of --host, or
all), checks every one against its sha256 from the authenticated
catalogue, and only when all of them check writes them with the durable
protocol and indexes them with their original instants and paths, so
list, restore and verify work as if they had been taken here. A backup
already here (same host and instant) is skipped.
` + remoteHelp + `

Examples:
  hatch-backup pull --remote s3://my-bucket/laptop
  hatch-backup pull --host cursor --host zed --json`,
		Flags: append(remoteFlags(),
			&cli.StringSliceFlag{Name: "host", Usage: "pull only this `HOST`'s backups (repeat for more)"}),
		Action: a.pull,
	}
}

// pullJSON is pull's --json output.
type pullJSON struct {
	Downloaded int `json:"downloaded"`
	Skipped    int `json:"skipped"`
}

func (a *app) pull(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--host HOST"); err != nil {
		return err
	}
	hosts := c.StringSlice("host")
	for _, h := range hosts {
		if _, err := store.LookupHost(h); err != nil {
			return err
		}
	}
	r, err := a.openRemote(c, false)
	if err != nil {
		return err
	}
	// Planned under a shared lock, downloaded and checked with no lock
	// held (a create meanwhile does not wait), then written under the
	// exclusive lock: a remote that fails a check changes nothing here,
	// not even a missing root.
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	fetched, err := s.Plan(c.Context, r, store.PullOptions{Hosts: hosts})
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	defer fetched.Discard()
	if err := fetched.Download(c.Context, r, a.progress("pull")); err != nil {
		return err
	}
	if s, err = a.open(c, false); err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.WritePulled(c.Context, fetched)
	if err != nil {
		if res.Downloaded > 0 {
			return &keptWork{done: fmt.Sprintf("%d backups were written and indexed", res.Downloaded), err: err}
		}
		return err
	}
	if a.json {
		return a.writeJSON(pullJSON{Downloaded: res.Downloaded, Skipped: res.Skipped})
	}
	_, err = fmt.Fprintf(a.stdout, "downloaded %d backups, %d already here\n", res.Downloaded, res.Skipped)
	return err
}
