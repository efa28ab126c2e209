package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) pushCommand() *cli.Command {
	return &cli.Command{
		Name:  "push",
		Usage: "copy the backups the remote lacks to an encrypted S3 remote",
		Description: `Uploads every local backup that the remote lacks, encrypted, and a
catalogue segment that describes them; creates the bucket when it does
not exist. It never overwrites or deletes a remote object. Interrupted,
the next push resumes after the last batch it recorded; run twice, the
second run uploads nothing. A local backup that fails its sha256 is not
uploaded (a warning names it; verify tells more).
` + remoteHelp + `

Examples:
  HATCH_PASSWORD_FILE=~/.hatch-pass hatch-backup push --remote s3://my-bucket/laptop
  hatch-backup push --remote s3://b/p --endpoint http://127.0.0.1:9000 --json`,
		Flags:  remoteFlags(),
		Action: a.push,
	}
}

// pushJSON is push's --json output.
type pushJSON struct {
	Uploaded int   `json:"uploaded"`
	Skipped  int   `json:"skipped"`
	Damaged  int   `json:"damaged"`
	Bytes    int64 `json:"bytes"`
}

func (a *app) push(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--remote s3://BUCKET/PREFIX"); err != nil {
		return err
	}
	r, err := a.openRemote(c, true)
	if err != nil {
		return err
	}
	s, err := a.open(c, true)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Push(c.Context, r, store.PushOptions{Progress: a.progress("push"), ReleaseLock: true})
	if err != nil {
		if res.Uploaded > 0 {
			return &keptWork{done: fmt.Sprintf("%d backups were uploaded and recorded (the next push goes on from there)", res.Uploaded), err: err}
		}
		return err
	}
	if a.json {
		return a.writeJSON(pushJSON{Uploaded: res.Uploaded, Skipped: res.Skipped, Damaged: res.Damaged, Bytes: res.Bytes})
	}
	_, err = fmt.Fprintf(a.stdout, "uploaded %d backups (%d bytes), %d already on the remote\n", res.Uploaded, res.Bytes, res.Skipped)
	if res.Damaged > 0 {
		fmt.Fprintf(a.stdout, "not uploaded: %d damaged backups (run verify)\n", res.Damaged)
	}
	return err
}
