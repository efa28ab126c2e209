package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// ErrChangedSince: undo found a config that changed again after the change
// set it would undo; nothing was changed.
var ErrChangedSince = errors.New("changed again since the change set (--force puts it back anyway)")

// UndoOptions configure Undo.
type UndoOptions struct {
	// DryRun plans and changes nothing.
	DryRun bool
	// Force puts back configs that changed again since the change set.
	Force bool
}

// UndoStep is what Undo does (or, dry, would do) to one config.
type UndoStep struct {
	Host, Path string
	// Action is "restore" (to the backup Before), "remove" (the change
	// set created it) or "none" (it already holds its before state).
	Action string
	// ChangedSince: the config no longer holds the change set's after
	// state (put back only with Force).
	ChangedSince bool
	Before       *ConfigState
	// Safety is the backup taken of the content undo replaced or removed.
	Safety *Backup
}

// UndoResult is what Undo did.
type UndoResult struct {
	// Of is the change set undone; Record the change set that records the
	// undo itself (zero on a dry run).
	Of, Record ChangeSet
	Steps      []UndoStep
	DryRun     bool
}

// Undo puts every config that the last change set changed back to its
// state before it, each through Restore (the backup checked first, a
// safety backup of the current content) or, for a config the change set
// created, a safety backup and then its removal. A config that changed
// again since is refused (ErrChangedSince, naming it, nothing changed)
// unless o.Force. The undo is recorded as a change set of its own, so a
// second Undo undoes the undo.
//
// Crash safety: the undo's change set is recorded, incomplete, before the
// first config is touched, and completed after the last; each config
// holds its old or its new bytes at every instant. An Undo that finds an
// incomplete undo as the last change set resumes it: configs already put
// back are left as they are.
func (s *Store) Undo(ctx context.Context, o UndoOptions) (UndoResult, error) {
	res := UndoResult{DryRun: o.DryRun}
	if !o.DryRun {
		if err := s.writable(); err != nil {
			return res, err
		}
	}
	last, err := s.LastChangeSet(ctx)
	if err != nil {
		return res, err
	}
	rec := ChangeSet{Command: []string{"undo"}, Undoes: last.ID, ExitCode: 0}
	target := last
	if last.Undoes != 0 && !last.Complete {
		// An undo that was interrupted: finish it.
		if target, err = s.changeSet(ctx, last.Undoes); err != nil {
			return res, err
		}
		rec = last
	}
	res.Of = target
	if res.Steps, err = s.planUndo(target, o.Force); err != nil {
		return res, err
	}
	if o.DryRun {
		return res, nil
	}
	if rec.ID == 0 {
		rec.Start = s.now().UTC()
		if err := s.putChangeSet(&rec); err != nil {
			return res, err
		}
	}
	crashPoint("undo-recorded")
	ctx = context.WithoutCancel(ctx) // once begun, every config is put back: half an undo helps nobody
	for i := range res.Steps {
		st := &res.Steps[i]
		if err := s.undoStep(ctx, st); err != nil {
			return res, fmt.Errorf("undo of %s (%s): %w", st.Host, st.Path, err)
		}
		if st.Action == "none" {
			continue
		}
		hc := HostChange{Host: st.Host, Path: st.Path, After: st.Before}
		if st.Safety != nil {
			hc.Before = stateOf(*st.Safety)
		}
		rec.Hosts = append(rec.Hosts, hc)
		// Recorded at once: a resumed undo finds this config done, and
		// the undo of this undo must still know its before state.
		if err := s.putChangeSet(&rec); err != nil {
			return res, err
		}
		crashPoint("undo-step")
	}
	rec.End, rec.Complete = s.now().UTC(), true
	if err := s.putChangeSet(&rec); err != nil {
		return res, err
	}
	crashPoint("undo-finished")
	res.Record = rec
	return res, nil
}

// changeSet finds the change set with id.
func (s *Store) changeSet(ctx context.Context, id uint64) (ChangeSet, error) {
	var out ChangeSet
	found := false
	err := s.ChangeSets(ctx, func(cs ChangeSet) bool {
		if cs.ID == id {
			out, found = cs, true
		}
		return !found
	})
	if err == nil && !found {
		err = fmt.Errorf("%w: change set %d", ErrNotFound, id)
	}
	return out, err
}

// planUndo decides each config's step; refused (without force) when any
// config changed again since cs.
func (s *Store) planUndo(cs ChangeSet, force bool) ([]UndoStep, error) {
	var steps []UndoStep
	var changed []string
	for _, h := range cs.Hosts {
		if cs.Complete && sameState(h.Before, h.After) {
			continue
		}
		st := UndoStep{Host: h.Host, Path: h.Path, Before: h.Before, Action: "restore"}
		if h.Before == nil {
			st.Action = "remove"
		}
		atBefore, err := s.matches(h.Path, h.Before)
		if err != nil {
			return nil, err
		}
		if atBefore {
			st.Action = "none"
		} else if cs.Complete {
			atAfter, err := s.matches(h.Path, h.After)
			if err != nil {
				return nil, err
			}
			if !atAfter {
				st.ChangedSince = true
				changed = append(changed, fmt.Sprintf("%s (%s)", h.Host, h.Path))
			}
		}
		steps = append(steps, st)
	}
	if len(changed) > 0 && !force {
		return steps, fmt.Errorf("%s: %w", strings.Join(changed, ", "), ErrChangedSince)
	}
	return steps, nil
}

// undoStep puts one config back to st.Before.
func (s *Store) undoStep(ctx context.Context, st *UndoStep) error {
	switch st.Action {
	case "restore":
		r, err := s.Restore(ctx, RestoreOptions{Host: st.Host, Timestamp: st.Before.Timestamp, To: st.Path})
		st.Safety = r.SafetyBackup
		return err
	case "remove":
		return s.removeConfig(ctx, st)
	}
	return nil
}

// removeConfig backs up the config that the change set created (marked
// safety, so a plain restore passes over it) and removes it.
func (s *Store) removeConfig(ctx context.Context, st *UndoStep) error {
	if err := s.CheckOutside(st.Path); err != nil {
		return fmt.Errorf("config %w", err)
	}
	b, err := s.storeConfig(ctx, st.Host, st.Path, false, true)
	if errors.Is(err, ErrConfigMissing) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("safety backup of %s: %w", st.Path, err)
	}
	st.Safety = &b
	crashPoint("undo-before-remove")
	if err := s.fs.Remove(st.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", st.Path, err)
	}
	return s.fs.SyncDir(filepath.Dir(st.Path))
}
