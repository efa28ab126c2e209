package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// app is one run of the program: its streams and environment, so that the
// whole CLI runs in-process in tests.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	json           bool // --json anywhere on the command line
	wroteJSON      bool // the command's JSON document is out: an error adds none
}

// run executes the command line args (args[0] is the program name) and
// returns the exit code. It never calls os.Exit.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	// Results are buffered: a listing of a million backups is a few large
	// writes, not a million small ones.
	out := bufio.NewWriterSize(stdout, 64<<10)
	a := &app{stdout: out, stderr: stderr, getenv: getenv, json: hasJSONFlag(args)}
	err := a.cli().RunContext(ctx, bareRemote(args, getenv))
	if err != nil && ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	code := a.fail(err)
	if ferr := out.Flush(); ferr != nil && code == exitOK {
		code = a.fail(fmt.Errorf("write results: %w", ferr))
	}
	return code
}

// hasJSONFlag finds --json before any "--": urfave/cli stops parsing flags
// at the first positional argument, and the error for that argument must
// still come out as JSON.
func hasJSONFlag(args []string) bool {
	for _, s := range args[1:] {
		switch s {
		case "--":
			return false
		case "--json", "-json", "--json=true", "-json=true":
			return true
		}
	}
	return false
}

// fail reports err as one line on stderr (and a JSON document on stdout
// with --json) and returns its exit code.
func (a *app) fail(err error) int {
	code := exitCode(err)
	var ce *commandExit
	if err == nil || errors.Is(err, errDiffers) || errors.As(err, &ce) {
		return code
	}
	msg := oneLine(err)
	fmt.Fprintf(a.stderr, "hatch-backup: %s\n", msg)
	if a.json && !a.wroteJSON {
		type jsonErr struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		a.writeJSON(map[string]jsonErr{"error": {Code: code, Message: msg}})
	}
	return code
}

// keptWork is a failure after part of a command's work was done and kept
// (compressed backups stay compressed): an interrupt then says what
// stays, not "rolled back".
type keptWork struct {
	done string // "3 backups were compressed (each one complete)"
	err  error
}

func (e *keptWork) Error() string { return e.err.Error() }
func (e *keptWork) Unwrap() error { return e.err }

// oneLine folds a (possibly joined) error into a single line.
func oneLine(err error) string {
	var kept *keptWork
	switch {
	case errors.As(err, &kept) && errors.Is(err, context.Canceled):
		return "interrupted: " + kept.done + "; nothing else was changed"
	case errors.Is(err, context.Canceled):
		return "interrupted: the operation was rolled back"
	}
	return escapeControls(strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " "))
}

func (a *app) writeJSON(v any) error {
	a.wroteJSON = true
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// globalFlags are accepted before and after the command name.
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "root", Usage: "backup root `DIR` (default $HATCH_BACKUP_DIR, else $HATCH_HOME/mcp_host_config_backups, else ~/.hatch/mcp_host_config_backups)"},
		&cli.DurationFlag{Name: "lock-timeout", Value: 10 * time.Second, Usage: "how long to wait for another hatch-backup to finish (`DURATION`, 0: try once)"},
		&cli.BoolFlag{Name: "json", Usage: "machine output: one JSON document on stdout"},
	}
}

func (a *app) cli() *cli.App {
	commands := []*cli.Command{a.hostsCommand(), a.createCommand(), a.listCommand(), a.showCommand(),
		a.diffCommand(), a.restoreCommand(), a.verifyCommand(), a.reindexCommand(), a.cleanCommand(),
		a.compactCommand(), a.importCommand(), a.watchCommand(), a.guardCommand(), a.undoCommand(), a.runsCommand(),
		a.pushCommand(), a.pullCommand(), a.versionCommand(), a.completionCommand()}
	for _, c := range commands {
		c.Flags = append(c.Flags, globalFlags()...)
		c.OnUsageError = onUsageError
		c.Before = refuseEmptyValues
		c.CustomHelpTemplate = cli.CommandHelpTemplate + exitCodesHelp
	}
	return &cli.App{
		Name:                  "hatch-backup",
		Usage:                 "versioned, verified backups of MCP host configs",
		HideVersion:           true,     // the version command prints it (and reads it only then)
		Compiled:              compiled, // set, so that urfave does not stat the executable at every start
		Flags:                 globalFlags(),
		Commands:              commands,
		Writer:                a.stdout,
		ErrWriter:             a.stderr,
		Suggest:               true,
		EnableBashCompletion:  true,
		OnUsageError:          onUsageError,
		Before:                refuseEmptyValues,
		ExitErrHandler:        func(*cli.Context, error) {}, // exit codes are ours, after deferred cleanups
		CustomAppHelpTemplate: cli.AppHelpTemplate + exitCodesHelp,
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return unknownCommand(c.App.Commands, c.Args().First())
			}
			return usagef("no command given (commands: %s; see hatch-backup --help)", strings.Join(commandNames(c.App.Commands), ", "))
		},
	}
}

// compiled stands in for urfave's App.Compiled, which hatch-backup never
// shows.
var compiled = time.Unix(0, 0)

const exitCodesHelp = `
EXIT CODES:
   0 success, 1 failed (nothing changed), 2 usage or invalid input, 3 integrity problem,
   10 not found, 11 locked by another hatch-backup, 130 interrupted (rolled back);
   guard exits with its COMMAND's code (127: COMMAND could not be started)
`

// unknownCommand refuses name, suggesting the command it is likely a typo
// of.
func unknownCommand(commands []*cli.Command, name string) error {
	if near := store.Suggest(name, commandNames(commands)); near != "" {
		return usagef("unknown command %q (did you mean %s?)", name, near)
	}
	return usagef("unknown command %q (commands: %s; see hatch-backup --help)", name, strings.Join(commandNames(commands), ", "))
}

func commandNames(commands []*cli.Command) []string {
	var names []string
	for _, c := range commands {
		if !c.Hidden {
			names = append(names, c.Name)
		}
	}
	return names
}

func onUsageError(c *cli.Context, err error, _ bool) error {
	return usagef("%s", flagError(c, err.Error()))
}

// flagError rewords the messages of Go's flag package, which name a flag
// with one dash and in its own terms, as hatch-backup speaks of flags.
func flagError(c *cli.Context, msg string) string {
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		if near := store.Suggest(name, flagNamesOf(c)); near != "" {
			return fmt.Sprintf("unknown flag --%s (did you mean --%s?)", name, near)
		}
		return fmt.Sprintf("unknown flag --%s (see --help)", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return fmt.Sprintf("--%s needs a value", strings.TrimLeft(name, "-"))
	}
	var value, name string
	if n, _ := fmt.Sscanf(msg, "invalid value %q for flag %s", &value, &name); n == 2 {
		name = strings.TrimSuffix(strings.TrimLeft(name, "-"), ":")
		return fmt.Sprintf("--%s %q: not a valid value%s", name, value, valueHint(c, name))
	}
	return msg
}

// valueHint says what a flag's value should look like.
func valueHint(c *cli.Context, name string) string {
	for _, f := range flagsOf(c) {
		if !slices.Contains(f.Names(), name) {
			continue
		}
		switch f.(type) {
		case *cli.DurationFlag:
			return " (want a duration such as 10s, 2m or 0)"
		case *cli.IntFlag:
			return " (want a whole number)"
		}
	}
	return ""
}

// flagsOf is the flags of the command being parsed (the app's own before
// a command).
func flagsOf(c *cli.Context) []cli.Flag {
	if c.Command != nil && c.Command.Name != "" {
		return c.Command.Flags
	}
	return c.App.Flags
}

// flagNamesOf lists the names of the flags of the command being parsed (the app's
// own before a command).
func flagNamesOf(c *cli.Context) []string {
	var names []string
	for _, f := range flagsOf(c) {
		names = append(names, f.Names()...)
	}
	return names
}

// noArgs refuses stray positional arguments, naming the flag to use.
func noArgs(c *cli.Context, hint string) error {
	if c.Args().Present() {
		return usagef("unexpected argument %q: use %s", c.Args().First(), hint)
	}
	return nil
}

// global returns a global flag's value wherever on the line it was given.
func global[T any](c *cli.Context, name string, get func(*cli.Context, string) T) T {
	for _, ctx := range c.Lineage() {
		for _, n := range ctx.LocalFlagNames() {
			if n == name {
				return get(ctx, name)
			}
		}
	}
	return get(c, name)
}

// root is the backup root: --root, else $HATCH_BACKUP_DIR, else
// $HATCH_HOME/mcp_host_config_backups, else ~/.hatch/mcp_host_config_backups.
func (a *app) root(c *cli.Context) (string, error) {
	if r := global(c, "root", (*cli.Context).String); r != "" {
		return r, nil
	}
	if r := a.getenv("HATCH_BACKUP_DIR"); r != "" {
		return r, nil
	}
	home := a.getenv("HATCH_HOME")
	if home == "" {
		h := a.getenv("HOME")
		if runtime.GOOS == "windows" && a.getenv("USERPROFILE") != "" {
			h = a.getenv("USERPROFILE")
		}
		if h == "" {
			return "", usagef("no backup root: set --root, HATCH_BACKUP_DIR, HATCH_HOME or HOME")
		}
		home = filepath.Join(h, ".hatch")
	}
	return filepath.Join(home, "mcp_host_config_backups"), nil
}

// open opens the store for one command.
func (a *app) open(c *cli.Context, readOnly bool) (*store.Store, error) {
	opts, err := a.storeOptions(c)
	if err != nil {
		return nil, err
	}
	opts.UpgradingReader = readOnly
	return store.Open(c.Context, opts)
}

// storeOptions are the store options the global flags and environment give.
func (a *app) storeOptions(c *cli.Context) (store.Options, error) {
	root, err := a.root(c)
	if err != nil {
		return store.Options{}, err
	}
	timeout := global(c, "lock-timeout", (*cli.Context).Duration)
	if timeout < 0 {
		return store.Options{}, usagef("--lock-timeout %s: must not be negative", timeout)
	}
	return store.Options{
		Root:        root,
		LockTimeout: timeout,
		Logger:      slog.New(&noticeHandler{w: a.stderr}),
		Env:         a.env(),
		Now:         a.testClock(), // nil (the real clock) unless built with hatch_testclock
	}, nil
}

// env resolves host paths from this run's environment.
func (a *app) env() *store.Env {
	e := store.DefaultEnv()
	e.Getenv = a.getenv
	return &e
}

// closeStore closes s and keeps the first error.
func closeStore(s *store.Store, err *error) {
	if cerr := s.Close(); cerr != nil && *err == nil {
		*err = cerr
	}
}

// openForHost is the start of a command about one host's backups: no stray
// arguments (hint names the flags to use), a valid --host, then the store.
func (a *app) openForHost(c *cli.Context, readOnly bool, hint string) (string, *store.Store, error) {
	if err := noArgs(c, hint); err != nil {
		return "", nil, err
	}
	host, err := hostFlag(c)
	if err != nil {
		return "", nil, err
	}
	s, err := a.open(c, readOnly)
	return host, s, err
}

// hostFlag checks --host before anything is opened or touched.
func hostFlag(c *cli.Context) (string, error) {
	h := c.String("host")
	if h == "" {
		return "", usagef("missing --host (one of: %s)", strings.Join(store.HostNames(), ", "))
	}
	if _, err := store.LookupHost(h); err != nil {
		return "", err
	}
	return h, nil
}
