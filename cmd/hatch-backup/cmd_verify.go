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
unknown files, wrong modes or owners, symlinks. It never changes anything,
not even a missing or old index. Exit 3 when it finds a problem; each is
printed with its kind, host, timestamp and path. reindex repairs what can
be repaired.

Problem kinds: missing, size-mismatch, checksum-mismatch, undecodable,
unindexed, interrupted-compact, temp-file, unknown-file, bad-mode, bad-owner,
symlink, not-regular, index-corrupt, index-newer-schema, name-mismatch.

Examples:
  hatch-backup verify
  hatch-backup verify --host cursor --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "host", Usage: "check only this `HOST`'s backups and folder"},
		},
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
}

func (a *app) verify(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--host HOST"); err != nil {
		return err
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
		err = a.writeJSON(verifyJSON{Checked: res.Checked, Problems: problemsToJSON(res.Problems)})
	} else {
		printProblems(a.stdout, res.Problems)
		fmt.Fprintf(a.stdout, "checked %d backups: %s\n", res.Checked, countProblems(len(res.Problems)))
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
		fmt.Fprintf(w, "%-18s  %-14s  %-22s  %s: %s\n", p.Kind, dash(p.Host), dash(p.Timestamp), p.Path, p.Detail)
	}
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
