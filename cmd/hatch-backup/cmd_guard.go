package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// exitCannotStart is guard's exit code when COMMAND could not be started,
// as shells use it.
const exitCannotStart = 127

// commandExit makes the program exit with a code of the guarded command's
// own; it prints nothing.
type commandExit struct{ code int }

func (e *commandExit) Error() string { return fmt.Sprintf("command exited with %d", e.code) }

func (a *app) guardCommand() *cli.Command {
	return &cli.Command{
		Name:      "guard",
		Usage:     "run a command that changes host configs, with backups before and after (undo puts them back)",
		ArgsUsage: "-- COMMAND [ARG...]",
		Description: `Backs up every existing host config (or each --host) unless unchanged, runs
COMMAND with this terminal, then backs up again, even when COMMAND failed or
was interrupted (SIGINT and SIGTERM are passed on to it). Reports, per host
whose config COMMAND changed, created or deleted, the servers it added,
removed or changed (by name), and records the run as a change set that
undo puts back in one step. Exits with COMMAND's exit code (127 when it
could not be started). The report goes to stderr (--json: stdout).

Examples:
  hatch-backup guard -- npx install-mcp some-server --client cursor
  hatch-backup guard --host codex -- codex mcp add docs -- npx -y docs-server`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "host", Usage: "guard only this `HOST`'s config (repeatable)"},
		},
		Action: a.guard,
	}
}

func (a *app) guard(c *cli.Context) (err error) {
	argv := c.Args().Slice()
	if len(argv) == 0 {
		return usagef("no command given: hatch-backup guard -- COMMAND [ARG...]")
	}
	hosts := c.StringSlice("host")
	for _, h := range hosts {
		if _, err := store.LookupHost(h); err != nil {
			return err
		}
	}
	// Ctrl-C during the before backups stops at a clean point (exit 130,
	// COMMAND not run); while COMMAND runs, runGuarded passes it on.
	interruptible(c.Context)
	cs, err := a.beginGuard(c, hosts, argv)
	if err != nil {
		return err
	}
	code, runErr := runGuarded(argv)
	if runErr != nil {
		fmt.Fprintf(a.stderr, "hatch-backup: guard: %s: %s\n", shown(argv[0]), oneLine(runErr))
	}
	report, finErr := a.finishGuard(c, &cs, code)
	if finErr == nil || report != nil {
		if werr := a.printGuard(cs, report); werr != nil && finErr == nil {
			finErr = werr
		}
	}
	switch {
	case finErr != nil && code == 0:
		return finErr
	case finErr != nil:
		fmt.Fprintf(a.stderr, "hatch-backup: %s\n", oneLine(finErr))
	}
	if code != 0 {
		return &commandExit{code: code}
	}
	return nil
}

// beginGuard takes the before backups and records the change set, holding
// the store only meanwhile: COMMAND may run hatch-backup itself.
func (a *app) beginGuard(c *cli.Context, hosts, argv []string) (cs store.ChangeSet, err error) {
	s, err := a.open(c, false)
	if err != nil {
		return cs, err
	}
	defer closeStore(s, &err)
	return s.BeginChangeSet(c.Context, hosts, argv)
}

// finishGuard takes the after backups (whatever the signals: they were
// meant for COMMAND) and completes the change set.
func (a *app) finishGuard(c *cli.Context, cs *store.ChangeSet, code int) (report []store.HostReport, err error) {
	opts, err := a.storeOptions(c)
	if err != nil {
		return nil, err
	}
	ctx := context.WithoutCancel(c.Context)
	s, err := store.Open(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer closeStore(s, &err)
	err = s.FinishChangeSet(ctx, cs, code)
	return s.Report(ctx, *cs), err
}

// runGuarded runs argv with this process's stdin, stdout and stderr,
// passing interrupts on to it, and returns its exit code: 128+N when a
// signal N ended it, exitCannotStart when it could not start.
func runGuarded(argv []string) (int, error) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, guardSignals...)
	defer signal.Stop(sigs)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return exitCannotStart, fmt.Errorf("cannot start: %w", errors.Unwrap(err))
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case sig := <-sigs:
			forwardSignal(cmd.Process, sig)
		case err := <-done:
			return exitStatus(cmd, err), nil
		}
	}
}

// exitStatus is the code a shell would report for the finished cmd.
func exitStatus(cmd *exec.Cmd, err error) int {
	st := cmd.ProcessState
	if st == nil {
		return exitFailed
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return st.ExitCode()
}

// guardHostJSON is one config in guard --json.
type guardHostJSON struct {
	Hostname string       `json:"hostname"`
	Path     string       `json:"path"`
	Change   string       `json:"change"`
	Servers  *serversJSON `json:"servers"`
	Before   *string      `json:"before"` // backup timestamp; null: absent
	After    *string      `json:"after"`
}

// changeSetJSON is a change set in guard, undo and runs --json.
type changeSetJSON struct {
	ID       uint64          `json:"id"`
	Command  string          `json:"command"`
	Start    string          `json:"start"`
	End      *string         `json:"end"`
	ExitCode *int            `json:"exit_code"`
	Complete bool            `json:"complete"`
	Undoes   *uint64         `json:"undoes"`
	Hosts    []guardHostJSON `json:"hosts"`
}

func changeSetToJSON(cs store.ChangeSet, report []store.HostReport) changeSetJSON {
	j := changeSetJSON{ID: cs.ID, Command: shownCommand(cs.Command), Start: cs.Start.UTC().Format(time.RFC3339Nano),
		Complete: cs.Complete, Hosts: []guardHostJSON{}}
	if cs.Complete {
		end, code := cs.End.UTC().Format(time.RFC3339Nano), cs.ExitCode
		j.End, j.ExitCode = &end, &code
	}
	if cs.Undoes != 0 {
		u := cs.Undoes
		j.Undoes = &u
	}
	states := map[string]store.HostChange{}
	for _, h := range cs.Hosts {
		states[h.Host+"\x00"+h.Path] = h
	}
	for _, r := range report {
		h := states[r.Host+"\x00"+r.Path]
		hj := guardHostJSON{Hostname: r.Host, Path: r.Path, Change: r.Kind, Before: stampOf(h.Before), After: stampOf(h.After)}
		if r.Servers != nil {
			hj.Servers = serversOf(r.Servers)
		}
		j.Hosts = append(j.Hosts, hj)
	}
	return j
}

func stampOf(st *store.ConfigState) *string {
	if st == nil {
		return nil
	}
	ts := st.Timestamp
	return &ts
}

// shownCommand is a command line for display: arguments that look like
// secrets masked, control characters escaped.
func shownCommand(argv []string) string {
	return escapeControls(strings.Join(store.MaskArgs(argv), " "))
}

// printGuard reports what COMMAND changed.
func (a *app) printGuard(cs store.ChangeSet, report []store.HostReport) error {
	if a.json {
		return a.writeJSON(changeSetToJSON(cs, report))
	}
	if len(report) == 0 {
		fmt.Fprintf(a.stderr, "hatch-backup: guard: no host config was changed\n")
		return nil
	}
	for _, r := range report {
		line := fmt.Sprintf("hatch-backup: guard: %s: %s %s", r.Host, r.Kind, r.Path)
		if r.Servers != nil {
			line += serversLine(serversOf(r.Servers))
		}
		fmt.Fprintln(a.stderr, escapeControls(line))
	}
	fmt.Fprintf(a.stderr, "hatch-backup: guard: recorded as change set %d; `hatch-backup undo` puts it back\n", cs.ID)
	return nil
}
