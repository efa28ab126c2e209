package main

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "check every backup against the index; change nothing",
		Description: `Re-reads every backup (of --host, or all) and checks its size, decoding
and sha256 against the index; checks the index's structure; and looks at
every file in the backup root: unindexed backups, leftover temp files,
unknown files, wrong modes or owners, symlinks, folders or backups it may
not read. It never changes anything, not even a missing or old index.
Exit 3 when it finds a problem; each is printed with its kind, host,
timestamp and path. reindex repairs what can be repaired. A backup root
that does not exist is exit 10.

Problem kinds: missing, size-mismatch, checksum-mismatch, undecodable,
unindexed, interrupted-compact, temp-file, unknown-file, bad-mode, bad-owner, symlink,
not-regular, unreadable, index-corrupt, index-newer-schema, name-mismatch.

Warnings (printed, exit code unchanged): future-dated, a backup dated more
than a day after now (a machine with a wrong clock); it is never taken as
the latest and never counted by clean.

With --remote s3://BUCKET/PREFIX (or a bare --remote and $HATCH_REMOTE)
it checks the remote instead: every
backup its catalogue names is downloaded, decrypted and matched to its
sha256 (problem kind remote-damaged); nothing local is read.

Examples:
  hatch-backup verify
  hatch-backup verify --remote s3://my-bucket/laptop
  hatch-backup verify --host cursor --json`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "check only this `HOST`'s backups and folder"},
		}, remoteFlags()...),
		Action: a.verify,
	}
}

// problemJSON is one problem in verify's and reindex's --json output.
type problemJSON struct {
	Kind      string `json:"kind"`
	Hostname  string `json:"hostname"`
	Timestamp string `json:"timestamp"`
	Path      string `json:"path"`
	Detail    string `json:"detail"`
}

func problemsToJSON(ps []store.Problem) []problemJSON {
	out := make([]problemJSON, 0, len(ps))
	for _, p := range ps {
		out = append(out, problemJSON{Kind: string(p.Kind), Hostname: p.Host, Timestamp: p.Timestamp, Path: p.Path, Detail: p.Detail})
	}
	return out
}

// verifyJSON is verify's --json output.
type verifyJSON struct {
	Checked  int           `json:"checked"`
	Problems []problemJSON `json:"problems"`
	Warnings []problemJSON `json:"warnings"`
}

func (a *app) verify(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--host HOST"); err != nil {
		return err
	}
	if c.IsSet("remote") {
		return a.verifyRemote(c)
	}
	host := c.String("host")
	if host != "" {
		if host, err = hostFlag(c); err != nil {
			return err
		}
	}
	opts, err := a.storeOptions(c)
	if err != nil {
		return err
	}
	opts.Inspect = true
	s, err := store.Open(c.Context, opts)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Verify(c.Context, store.VerifyOptions{Host: host, Progress: a.progress("verify")})
	if err != nil {
		return err
	}
	if a.json {
		err = a.writeJSON(verifyJSON{Checked: res.Checked, Problems: problemsToJSON(res.Problems), Warnings: problemsToJSON(res.Warnings)})
	} else {
		printProblems(a.stdout, res.Problems)
		printProblems(a.stdout, res.Warnings)
		fmt.Fprintf(a.stdout, "checked %d backups: %s%s\n", res.Checked, countProblems(len(res.Problems)), countWarnings(len(res.Warnings)))
	}
	if err == nil && len(res.Problems) > 0 {
		err = fmt.Errorf("verify %s: %s: %w", s.Root(), countProblems(len(res.Problems)), store.ErrIntegrity)
	}
	return err
}

// printProblems prints one line per problem: kind, host, timestamp, path
// and why ("-" for a field that does not apply).
func printProblems(w io.Writer, ps []store.Problem) {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, p := range ps {
		fmt.Fprintf(w, "%-18s  %-14s  %-22s  %s: %s\n", p.Kind, dash(p.Host), dash(p.Timestamp), shown(p.Path), escapeControls(p.Detail))
	}
}

// countWarnings is what follows the count of problems: "" or ", 1 warning".
func countWarnings(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return ", 1 warning"
	}
	return fmt.Sprintf(", %d warnings", n)
}

func countProblems(n int) string {
	switch n {
	case 0:
		return "no problems"
	case 1:
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}
