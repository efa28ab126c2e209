package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) undoCommand() *cli.Command {
	return &cli.Command{
		Name:  "undo",
		Usage: "put back every config the last guarded command changed",
		Description: `Restores every config that the last change set (see runs) changed to its
state before it, in one step, each through restore (the backup checked
first, a safety backup of the current content). A config the command
created is removed, after a backup of it. A config that changed again since
is refused (exit 1, naming it, nothing changed) unless --force. The undo is
a change set itself: a second undo undoes the undo. Exit 10 when no change
set is recorded.

Examples:
  hatch-backup undo --dry-run
  hatch-backup undo`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "say what would be put back, change nothing"},
			&cli.BoolFlag{Name: "force", Usage: "also put back configs that changed again since"},
		},
		Action: a.undo,
	}
}

// undoStepJSON is one config in undo --json.
type undoStepJSON struct {
	Hostname     string      `json:"hostname"`
	Path         string      `json:"path"`
	Action       string      `json:"action"`
	ChangedSince bool        `json:"changed_since"`
	Before       *string     `json:"before"` // the backup put back; null: the config is removed
	SafetyBackup *backupJSON `json:"safety_backup"`
}

type undoJSON struct {
	DryRun bool           `json:"dry_run"`
	Undid  uint64         `json:"undid"`
	Record *uint64        `json:"recorded_as"`
	Steps  []undoStepJSON `json:"configs"`
}

func (a *app) undo(c *cli.Context) (err error) {
	if err := noArgs(c, "--dry-run or --force"); err != nil {
		return err
	}
	dry := c.Bool("dry-run")
	if !dry {
		holdSignals(c.Context)
	}
	s, err := a.open(c, dry)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Undo(c.Context, store.UndoOptions{DryRun: dry, Force: c.Bool("force")})
	if err != nil {
		return err
	}
	if a.json {
		j := undoJSON{DryRun: dry, Undid: res.Of.ID, Steps: []undoStepJSON{}}
		if res.Record.ID != 0 {
			id := res.Record.ID
			j.Record = &id
		}
		for _, st := range res.Steps {
			sj := undoStepJSON{Hostname: st.Host, Path: st.Path, Action: st.Action, ChangedSince: st.ChangedSince, Before: stampOf(st.Before)}
			if st.Safety != nil {
				b := toJSON(*st.Safety)
				sj.SafetyBackup = &b
			}
			j.Steps = append(j.Steps, sj)
		}
		return a.writeJSON(j)
	}
	verb := map[bool]string{true: "would ", false: ""}[dry]
	for _, st := range res.Steps {
		var line string
		switch st.Action {
		case "restore":
			line = fmt.Sprintf("%s: %sput back %s (backup %s)", st.Host, verb, st.Path, st.Before.Timestamp)
		case "remove":
			line = fmt.Sprintf("%s: %sremove %s (created by the command)", st.Host, verb, st.Path)
		default:
			line = fmt.Sprintf("%s: %s already holds its state before", st.Host, st.Path)
		}
		if st.ChangedSince {
			line += " (it had changed again since)"
		}
		if st.Safety != nil {
			line += "; safety backup " + st.Safety.Timestamp
		}
		fmt.Fprintln(a.stdout, shown(line))
	}
	if len(res.Steps) == 0 {
		fmt.Fprintf(a.stderr, "hatch-backup: change set %d changed no config: nothing to undo\n", res.Of.ID)
	} else if !dry {
		fmt.Fprintf(a.stderr, "hatch-backup: undid change set %d (recorded as change set %d: undo again to redo it)\n", res.Of.ID, res.Record.ID)
	}
	return nil
}
