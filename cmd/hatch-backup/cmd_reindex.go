package main

import (
	"encoding/json"
	"fmt"
	"io"

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

// reindexJSON is reindex's --json output; reindexStream writes it with
// dropped and adopted first, a backup at a time.
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
	// The backups dropped and adopted, which may be all of them, are
	// printed as they come: memory stays flat whatever their number.
	o := store.ReindexOptions{Progress: a.progress("reindex")}
	var js *reindexStream
	if a.json {
		js = &reindexStream{w: a.stdout}
		o.Dropped, o.Adopted = js.dropped, js.adopted
	} else {
		o.Dropped = func(b store.Backup) error {
			_, err := fmt.Fprintf(a.stdout, "dropped the entry of %s %s: its file %s is gone\n", b.Host, b.Timestamp, shown(b.Path))
			return err
		}
		o.Adopted = func(b store.Backup) error {
			_, err := fmt.Fprintf(a.stdout, "adopted %s\n", shown(b.Path))
			return err
		}
	}
	res, err := store.Reindex(c.Context, opts, o)
	switch {
	case js != nil && (js.begun || err == nil):
		if endErr := js.end(res); err == nil {
			err = endErr
		}
		a.json = false // the document is out: an error goes to stderr only
	case err == nil:
		a.printReindex(res)
	}
	if err == nil && len(res.Problems) > 0 {
		err = fmt.Errorf("reindex %s: %s left that reindex cannot repair: %w", opts.Root, countProblems(len(res.Problems)), store.ErrIntegrity)
	}
	return err
}

// reindexStream writes reindexJSON's document: "dropped" and "adopted"
// a backup at a time, then the other fields, indented as writeJSON would.
type reindexStream struct {
	w     io.Writer
	begun bool   // the document is open
	open  string // the array being written: "dropped", "adopted" or ""
	n     int    // items in it
	done  map[string]bool
	err   error
}

func (js *reindexStream) write(s string) {
	if js.err == nil {
		_, js.err = io.WriteString(js.w, s)
	}
}

// field starts the next field of the document.
func (js *reindexStream) field(name string) {
	if !js.begun {
		js.begun = true
		js.write("{")
	} else {
		js.write(",")
	}
	js.write(fmt.Sprintf("\n  %q: ", name))
}

// array makes name the open array, closing the one before.
func (js *reindexStream) array(name string) {
	if js.open == name {
		return
	}
	js.closeArray()
	if js.done == nil {
		js.done = map[string]bool{}
	}
	js.done[name] = true
	js.field(name)
	js.write("[")
	js.open, js.n = name, 0
}

func (js *reindexStream) closeArray() {
	switch {
	case js.open == "":
	case js.n > 0:
		js.write("\n  ]")
	default:
		js.write("]")
	}
	js.open = ""
}

func (js *reindexStream) item(name string, b store.Backup) error {
	js.array(name)
	item, err := json.MarshalIndent(toJSON(b), "    ", "  ")
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

func (js *reindexStream) dropped(b store.Backup) error { return js.item("dropped", b) }
func (js *reindexStream) adopted(b store.Backup) error { return js.item("adopted", b) }

// end writes the arrays that had no item, then the rest of res.
func (js *reindexStream) end(res store.ReindexResult) error {
	for _, name := range []string{"dropped", "adopted"} {
		if !js.done[name] {
			js.array(name)
		}
	}
	js.closeArray()
	var moved *string
	if res.MovedIndex != "" {
		moved = &res.MovedIndex
	}
	for _, f := range []struct {
		name string
		v    any
	}{
		{"moved_index", moved},
		{"finished_compact", backupsToJSON(res.Finished)},
		{"removed_temp", nonNil(res.RemovedTemp)},
		{"tightened", nonNil(res.Tightened)},
		{"checked", res.Checked},
		{"problems", problemsToJSON(res.Problems)},
	} {
		v, err := json.MarshalIndent(f.v, "  ", "  ")
		if err != nil {
			return err
		}
		js.field(f.name)
		js.write(string(v))
	}
	js.write("\n}\n")
	return js.err
}

// printReindex prints what reindex did besides the drops and adoptions,
// already printed as they came, then a summary line.
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
	for _, b := range res.Finished {
		fmt.Fprintf(w, "finished the interrupted compact of %s %s: %s\n", b.Host, b.Timestamp, b.Path)
	}
	printProblems(w, res.Problems)
	fmt.Fprintf(w, "reindexed: %d adopted, %d dropped, %d temp files removed; checked %d backups: %s\n",
		res.AdoptedCount, res.DroppedCount, len(res.RemovedTemp), res.Checked, countProblems(len(res.Problems)))
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
