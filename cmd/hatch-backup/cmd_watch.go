package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) watchCommand() *cli.Command {
	return &cli.Command{
		Name:  "watch",
		Usage: "back up host configs the moment they change (runs until stopped)",
		Description: `Watches the config of every host (or each --host), whether or not it exists
yet, and backs it up after every settled change (no further change for
--debounce). Identical bytes write nothing. A change that leaves every MCP
server as it was is backed up at most once per --min-interval. One line on
stderr per backup; --json prints one JSON object per line on stdout. It
holds the store lock only while it writes. Once a config has 16 plain
backups, it runs compact --delta for that host in the background (one line
on stderr, or a "compact" JSON object, when done). SIGINT or SIGTERM ends it
(exit 0) once a backup in flight is durable; a background compaction stops
at its next backup, everything it did complete and indexed.

--install sets up a per-user service that runs the watch at login and
restarts it if it dies (systemd user unit, launchd agent, Task Scheduler
task); --dry-run prints it instead. --uninstall removes it.

Examples:
  hatch-backup watch
  hatch-backup watch --host cursor --host vscode --debounce 1s
  hatch-backup watch --install --dry-run`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "host", Usage: "watch only this `HOST` (repeatable)"},
			&cli.DurationFlag{Name: "debounce", Value: 500 * time.Millisecond, Usage: "back up once no change came for this `DURATION`"},
			&cli.DurationFlag{Name: "min-interval", Value: 10 * time.Minute, Usage: "back up a change that leaves the servers as they were at most once per `DURATION`"},
			&cli.BoolFlag{Name: "compress", Usage: "store the backups zstd-compressed"},
			&cli.BoolFlag{Name: "install", Usage: "install the per-user service that runs the watch at login"},
			&cli.BoolFlag{Name: "uninstall", Usage: "remove that service"},
			&cli.BoolFlag{Name: "dry-run", Usage: "with --install: print the service definition, change nothing"},
		},
		Action: a.watch,
	}
}

func (a *app) watch(c *cli.Context) error {
	if err := noArgs(c, "--host HOST"); err != nil {
		return err
	}
	if c.Bool("install") || c.Bool("uninstall") {
		return a.watchService(c)
	}
	if c.Bool("dry-run") {
		return usagef("--dry-run goes with --install")
	}
	debounce, minInterval := c.Duration("debounce"), c.Duration("min-interval")
	if debounce < 0 || minInterval < 0 {
		return usagef("--debounce and --min-interval must not be negative")
	}
	hosts := c.StringSlice("host")
	for _, h := range hosts {
		if _, err := store.LookupHost(h); err != nil {
			return err
		}
	}
	opts, err := a.storeOptions(c)
	if err != nil {
		return err
	}
	interruptible(c.Context)
	w := store.NewWatcher(opts, minInterval)
	w.Compress = c.Bool("compress")
	n := len(hosts)
	if n == 0 {
		n = len(store.HostNames())
	}
	fmt.Fprintf(a.stderr, "hatch-backup: watching %d host configs (stop with Ctrl-C)\n", n)
	return w.Run(c.Context, store.WatchOptions{
		Hosts:    hosts,
		Debounce: debounce,
		Report: func(host string, ev store.WatchEvent, err error) {
			if err != nil {
				j := watchEventJSON{Event: "error", Hostname: host, Error: oneLine(err)}
				if ev.Kind == "compact" {
					j.Error = "background compact: " + j.Error
					j.retry = fmt.Sprintf("retried after %d more backups", store.CompactAt)
				}
				a.watchEvent(j)
				return
			}
			a.reportWatch(host, ev)
		},
		Problem: func(err error) {
			a.watchEvent(watchEventJSON{Event: "error", Error: oneLine(err)})
		},
	})
}

// watchEventJSON is one line of watch --json.
type watchEventJSON struct {
	Event    string       `json:"event"`
	Hostname string       `json:"hostname,omitempty"`
	Backup   *backupJSON  `json:"backup,omitempty"`
	Servers  *serversJSON `json:"servers,omitempty"`
	Error    string       `json:"error,omitempty"`
	// A background compaction's outcome (event "compact").
	Deltas      *int   `json:"deltas,omitempty"`
	Compressed  *int   `json:"compressed,omitempty"`
	BytesBefore *int64 `json:"bytes_before,omitempty"`
	BytesAfter  *int64 `json:"bytes_after,omitempty"`
	// retry says when an error is tried again (stderr only).
	retry string
}

// serversJSON names the servers a change added, removed or changed.
type serversJSON struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

func serversOf(changes []store.ServerChange) *serversJSON {
	s := &serversJSON{Added: []string{}, Removed: []string{}, Changed: []string{}}
	for _, c := range changes {
		switch c.Change {
		case "added":
			s.Added = append(s.Added, c.Name)
		case "removed":
			s.Removed = append(s.Removed, c.Name)
		default:
			s.Changed = append(s.Changed, c.Name)
		}
	}
	return s
}

// reportWatch prints one backup, skip or background compaction.
func (a *app) reportWatch(host string, ev store.WatchEvent) {
	if ev.Kind == "compact" {
		a.reportCompact(host, ev.Compact)
		return
	}
	j := watchEventJSON{Event: ev.Kind, Hostname: host}
	if ev.Kind == "backup" {
		b := toJSON(ev.Backup)
		j.Backup, j.Servers = &b, serversOf(ev.Servers)
	}
	if a.json {
		a.watchEvent(j)
		return
	}
	if ev.Kind != "backup" {
		return // a change within --min-interval that left the servers alone: not worth a line
	}
	line := fmt.Sprintf("hatch-backup: %s: backed up %s (%s)", host, ev.Backup.Timestamp, humanSize(ev.Backup.OriginalSize))
	line += serversLine(j.Servers)
	if ev.Removed {
		line += fmt.Sprintf("; servers were removed: `hatch-backup restore --host %s --servers` brings them back", host)
	}
	fmt.Fprintln(a.stderr, escapeControls(line))
}

// reportCompact prints what a background compaction of host did: sizes
// and counts only.
func (a *app) reportCompact(host string, res store.CompactResult) {
	deltas, compressed := len(res.Deltas), len(res.Compressed)
	before, after := res.BytesBefore, res.BytesAfter
	if a.json {
		a.watchEvent(watchEventJSON{Event: "compact", Hostname: host,
			Deltas: &deltas, Compressed: &compressed, BytesBefore: &before, BytesAfter: &after})
		return
	}
	line := fmt.Sprintf("hatch-backup: %s: compacted %d old backups to deltas", host, deltas)
	if compressed > 0 {
		line += fmt.Sprintf(" and %d to zstd", compressed)
	}
	line += fmt.Sprintf(": %d bytes -> %d bytes", before, after)
	fmt.Fprintln(a.stderr, escapeControls(line))
}

// serversLine is "; servers added: a, b; removed: c" (empty when none).
func serversLine(s *serversJSON) string {
	var parts []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"added", s.Added}, {"removed", s.Removed}, {"changed", s.Changed}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.names, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; servers " + strings.Join(parts, "; ")
}

// watchEvent prints an event: a JSON line on stdout with --json (flushed
// at once: a reader follows the stream), an error line on stderr always.
func (a *app) watchEvent(j watchEventJSON) {
	if j.Event == "error" {
		who := ""
		if j.Hostname != "" {
			who = j.Hostname + ": "
		}
		retry := j.retry
		if retry == "" {
			retry = "retried at the next change"
		}
		fmt.Fprintf(a.stderr, "hatch-backup: watch: %s%s (%s)\n", who, j.Error, retry)
	}
	if !a.json {
		return
	}
	line, _ := json.Marshal(j)
	fmt.Fprintf(a.stdout, "%s\n", line)
	if f, ok := a.stdout.(interface{ Flush() error }); ok {
		_ = f.Flush()
	}
}
