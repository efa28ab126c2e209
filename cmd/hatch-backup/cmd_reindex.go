package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) reindexCommand() *cli.Command {
	return &cli.Command{
		Name:  "reindex",
		Usage: "rebuild the index from the backup files",
		Description: `Rebuilds the index from the files, holding the store lock: adopts backup
files the index does not list (Python Hatch's too; their original path is
unknown, so they restore with --to), drops entries whose file is gone,
removes leftover temp files, tightens modes to 0700/0600, and moves a
damaged index aside as index.db.corrupt-<timestamp> (never deleted) before
linking in a new one, built completely first. A compact that was
interrupted (NAME and NAME.zst of the same bytes) is finished: one backup,
its entry and original path kept, the plain copy removed. Otherwise it
never deletes or rewrites a backup and never deletes an unknown file. A
backup whose bytes no longer match its entry keeps its entry and is
reported, never blessed. Then it verifies the store:
exit 3 when something is left that it cannot repair. Running it again
changes nothing.

Example:
  hatch-backup reindex`,
		Action: a.reindex,
	}
}

// reindexJSON is reindex's --json output.
type reindexJSON struct {
	MovedIndex  *string       `json:"moved_index"`
	Adopted     []backupJSON  `json:"adopted"`
	Finished    []backupJSON  `json:"finished_compact"`
	Dropped     []backupJSON  `json:"dropped"`
	RemovedTemp []string      `json:"removed_temp"`
	Tightened   []string      `json:"tightened"`
	Checked     int           `json:"checked"`
	Problems    []problemJSON `json:"problems"`
}

func backupsToJSON(bs []store.Backup) []backupJSON {
	out := make([]backupJSON, 0, len(bs))
	for _, b := range bs {
		out = append(out, toJSON(b))
	}
	return out
}

func (a *app) reindex(c *cli.Context) error {
	interruptible(c.Context)
	if err := noArgs(c, "no arguments (reindex takes only --root)"); err != nil {
		return err
	}
	opts, err := a.storeOptions(c)
	if err != nil {
		return err
	}
	res, err := store.Reindex(c.Context, opts, store.ReindexOptions{Progress: a.progress("reindex")})
	if err != nil {
		return err
	}
	if a.json {
		out := reindexJSON{Adopted: backupsToJSON(res.Adopted), Finished: backupsToJSON(res.Finished), Dropped: backupsToJSON(res.Dropped),
			RemovedTemp: nonNil(res.RemovedTemp), Tightened: nonNil(res.Tightened),
			Checked: res.Checked, Problems: problemsToJSON(res.Problems)}
		if res.MovedIndex != "" {
			out.MovedIndex = &res.MovedIndex
		}
		err = a.writeJSON(out)
	} else {
		a.printReindex(res)
	}
	if err == nil && len(res.Problems) > 0 {
		err = fmt.Errorf("reindex %s: %s left that reindex cannot repair: %w", opts.Root, countProblems(len(res.Problems)), store.ErrIntegrity)
	}
	return err
}

func (a *app) printReindex(res store.ReindexResult) {
	w := a.stdout
	if res.MovedIndex != "" {
		fmt.Fprintf(w, "moved the damaged index aside to %s and built a new one\n", shown(res.MovedIndex))
	}
	for _, p := range res.RemovedTemp {
		fmt.Fprintf(w, "removed leftover temp file %s\n", shown(p))
	}
	for _, p := range res.Tightened {
		fmt.Fprintf(w, "tightened the mode of %s\n", shown(p))
	}
	for _, b := range res.Dropped {
		fmt.Fprintf(w, "dropped the entry of %s %s: its file %s is gone\n", b.Host, b.Timestamp, shown(b.Path))
	}
	for _, b := range res.Finished {
		fmt.Fprintf(w, "finished the interrupted compact of %s %s: %s\n", b.Host, b.Timestamp, b.Path)
	}
	for _, b := range res.Adopted {
		fmt.Fprintf(w, "adopted %s\n", shown(b.Path))
	}
	printProblems(w, res.Problems)
	fmt.Fprintf(w, "reindexed: %d adopted, %d dropped, %d temp files removed; checked %d backups: %s\n",
		len(res.Adopted), len(res.Dropped), len(res.RemovedTemp), res.Checked, countProblems(len(res.Problems)))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
