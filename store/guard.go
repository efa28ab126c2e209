package store

import (
	"context"
	"errors"
	"fmt"
	"github.com/hatch-backup/hatch-backup/mcpconfig"
)

// crashPoint is called at each named step of guard and undo; the crash
// tests set it to kill the process there.
var crashPoint = func(string) {}

// BeginChangeSet starts a change set for command: it backs up every
// existing config of hosts (all hosts when none are named) with
// skip-unchanged semantics and records the change set, incomplete, with
// those before states (nil for a config that does not exist). The caller
// then runs its change and calls FinishChangeSet, on this store or, after
// closing it (so that the change may run hatch-backup itself), on one
// opened again.
func (s *Store) BeginChangeSet(ctx context.Context, hosts []string, command []string) (ChangeSet, error) {
	if err := s.writable(); err != nil {
		return ChangeSet{}, err
	}
	targets, err := s.guardTargets(hosts)
	if err != nil {
		return ChangeSet{}, err
	}
	cs := ChangeSet{Command: command, Start: s.now().UTC(), ExitCode: -1}
	for _, t := range targets {
		st, err := s.backUpState(ctx, t.Host, t.Path)
		if err != nil {
			return ChangeSet{}, fmt.Errorf("backup before the change: %w", err)
		}
		t.Before = st
		cs.Hosts = append(cs.Hosts, t)
	}
	crashPoint("guard-before-backups")
	if err := s.putChangeSet(&cs); err != nil {
		return ChangeSet{}, err
	}
	crashPoint("guard-recorded")
	return cs, nil
}

// FinishChangeSet backs up every config of cs again, records its after
// states, the end time and exitCode, and marks it complete. A config that
// cannot be backed up is an error naming it; the change set is then
// recorded without the mark, and undo treats it as of unknown outcome.
// Hosts whose config neither existed before nor after are dropped.
func (s *Store) FinishChangeSet(ctx context.Context, cs *ChangeSet, exitCode int) error {
	if err := s.writable(); err != nil {
		return err
	}
	// The after backups are taken even when ctx is done: an interrupted
	// command may have changed the configs half way, and that is exactly
	// what must be kept.
	ctx = context.WithoutCancel(ctx)
	var errs []error
	hosts := cs.Hosts[:0:0]
	for _, h := range cs.Hosts {
		st, err := s.backUpState(ctx, h.Host, h.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("backup after the change: %w", err))
			h.After = h.Before // unknown: kept as it was, so nothing is undone by mistake
		} else {
			h.After = st
		}
		if h.Before != nil || h.After != nil {
			hosts = append(hosts, h)
		}
	}
	crashPoint("guard-after-backups")
	cs.Hosts, cs.End, cs.ExitCode, cs.Complete = hosts, s.now().UTC(), exitCode, len(errs) == 0
	if err := s.putChangeSet(cs); err != nil {
		errs = append(errs, err)
	}
	crashPoint("guard-finished")
	return errors.Join(errs...)
}

// backUpState backs up the config at p of host (skip-unchanged) and
// returns its state; nil when it does not exist.
func (s *Store) backUpState(ctx context.Context, host, p string) (*ConfigState, error) {
	res, err := s.Create(ctx, CreateOptions{Host: host, ConfigPath: p, SkipUnchanged: true})
	if errors.Is(err, ErrConfigMissing) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return stateOf(res.Backup), nil
}

// Guard runs fn, a change to host configs, inside a change set: every
// config of hosts (all hosts when none) is backed up before and after,
// and the change set is recorded, so that Undo puts every config fn
// changed back in one step. The after backups are taken even when fn fails
// or ctx is cancelled. The store lock is held throughout: fn must not
// open this store itself. The returned error joins fn's with any of the
// bookkeeping's.
//
// The seed's BackupAwareOperation (prepare_backup, the change, then
// rollback_on_failure) is Guard with a rollback on failure:
//
//	cs, err := s.Guard(ctx, []string{host}, change)
//	if err != nil && cs.ID != 0 {
//		_, rerr := s.Undo(ctx, UndoOptions{Force: true})
//		err = errors.Join(err, rerr)
//	}
func (s *Store) Guard(ctx context.Context, hosts []string, fn func(context.Context) error) (ChangeSet, error) {
	cs, err := s.BeginChangeSet(ctx, hosts, []string{"(library call)"})
	if err != nil {
		return cs, err
	}
	code := 0
	ferr := fn(ctx)
	if ferr != nil {
		code = 1
	}
	return cs, errors.Join(ferr, s.FinishChangeSet(ctx, &cs, code))
}

// MaskArgs returns a command line with the arguments that look like
// secrets masked (the value of --token=X, --api-key X, -e NAME=X,
// API_KEY=X, anything shaped like a key): a change set records its command
// line as given, and it is shown only through this.
func MaskArgs(args []string) []string { return mcpconfig.MaskArgs(args) }
