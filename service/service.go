// Package service describes the per-user service that runs
// "hatch-backup watch" at login and restarts it when it dies, once, as
// data (Watch), and renders that description in each system's own form:
// a systemd user unit (Linux), a launchd agent plist (macOS), a Task
// Scheduler task (Windows). Nothing here runs a command or writes a file;
// the CLI does, with the File it gets.
package service

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Definition is what the service is, whatever the system.
type Definition struct {
	// Name is the systemd unit's and the scheduled task's name.
	Name string
	// Label is the launchd label (reverse DNS).
	Label       string
	Description string
	// Program is the absolute path of the binary; Args follow it.
	Program string
	Args    []string
	// RestartDelay is how long the system waits before starting the watch
	// again after it died.
	RestartDelay time.Duration
}

// Watch is the service of "hatch-backup --root ROOT watch", run by the
// binary at program.
func Watch(program, root string) Definition {
	return Definition{
		Name:         "hatch-backup-watch",
		Label:        "io.github.hatch-backup.watch",
		Description:  "hatch-backup watch: backs up MCP host configs the moment they change",
		Program:      program,
		Args:         []string{"--root", root, "watch"},
		RestartDelay: 10 * time.Second,
	}
}

// File is a rendered service definition: where it goes, what it holds,
// and the commands that start (Enable) or stop (Disable) the service
// once it is there (Disable runs before the file is removed).
type File struct {
	Kind    string // "systemd user unit", "launchd agent", "Task Scheduler logon task"
	Path    string
	Content []byte
	Enable  [][]string
	Disable [][]string
}

// For renders d for goos; home is the user's home folder, uid the user's
// id (launchd's gui domain), tmp a folder for the task XML that schtasks
// reads.
func For(goos string, d Definition, home string, uid int, tmp string) (File, error) {
	switch goos {
	case "linux", "freebsd", "openbsd", "netbsd":
		return Systemd(d, home), nil
	case "darwin":
		return Launchd(d, home, uid), nil
	case "windows":
		return TaskScheduler(d, tmp), nil
	}
	return File{}, fmt.Errorf("no user service for %s", goos)
}

// Systemd renders d as a systemd user unit under
// ~/.config/systemd/user. Paths are joined with "/" whatever the system
// rendering it: the unit is for a Unix system (and so is the plist).
func Systemd(d Definition, home string) File {
	unit := d.Name + ".service"
	var b strings.Builder
	fmt.Fprintf(&b, "[Unit]\nDescription=%s\nAfter=default.target\n\n", systemdEscape(d.Description))
	fmt.Fprintf(&b, "[Service]\nType=simple\nExecStart=%s\nRestart=always\nRestartSec=%d\n\n",
		systemdCommand(append([]string{d.Program}, d.Args...)), int(d.RestartDelay.Seconds()))
	b.WriteString("[Install]\nWantedBy=default.target\n")
	return File{
		Kind:    "systemd user unit",
		Path:    path.Join(home, ".config", "systemd", "user", unit),
		Content: []byte(b.String()),
		Enable:  [][]string{{"systemctl", "--user", "daemon-reload"}, {"systemctl", "--user", "enable", "--now", unit}},
		Disable: [][]string{{"systemctl", "--user", "disable", "--now", unit}},
	}
}

// systemdCommand quotes each word for ExecStart: double quotes, with
// backslash, quote, and the specifier and variable signs escaped.
func systemdCommand(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		w = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$").Replace(w)
		q[i] = `"` + w + `"`
	}
	return strings.Join(q, " ")
}

func systemdEscape(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// Launchd renders d as a launchd agent under ~/Library/LaunchAgents.
func Launchd(d Definition, home string, uid int) File {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString("<plist version=\"1.0\">\n<dict>\n")
	key := func(k string) { fmt.Fprintf(&b, "\t<key>%s</key>\n", xmlText(k)) }
	str := func(indent, s string) { fmt.Fprintf(&b, "%s<string>%s</string>\n", indent, xmlText(s)) }
	key("Label")
	str("\t", d.Label)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	for _, a := range append([]string{d.Program}, d.Args...) {
		str("\t\t", a)
	}
	b.WriteString("\t</array>\n")
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("KeepAlive")
	b.WriteString("\t<true/>\n")
	key("ThrottleInterval")
	fmt.Fprintf(&b, "\t<integer>%d</integer>\n", int(d.RestartDelay.Seconds()))
	key("StandardErrorPath")
	str("\t", path.Join(home, "Library", "Logs", d.Name+".log"))
	b.WriteString("</dict>\n</plist>\n")
	p := path.Join(home, "Library", "LaunchAgents", d.Label+".plist")
	domain := fmt.Sprintf("gui/%d", uid)
	return File{
		Kind:    "launchd agent",
		Path:    p,
		Content: b.Bytes(),
		Enable:  [][]string{{"launchctl", "bootstrap", domain, p}},
		Disable: [][]string{{"launchctl", "bootout", domain, p}},
	}
}

// TaskScheduler renders d as a Task Scheduler task that starts at logon
// and is restarted when it fails. Path is where the XML is written for
// schtasks to read (and removed after: the task lives in Task Scheduler).
func TaskScheduler(d Definition, tmp string) File {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-16"?>` + "\n")
	b.WriteString(`<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">` + "\n")
	fmt.Fprintf(&b, "  <RegistrationInfo>\n    <Description>%s</Description>\n  </RegistrationInfo>\n", xmlText(d.Description))
	b.WriteString("  <Triggers>\n    <LogonTrigger>\n      <Enabled>true</Enabled>\n    </LogonTrigger>\n  </Triggers>\n")
	b.WriteString("  <Principals>\n    <Principal id=\"Author\">\n      <LogonType>InteractiveToken</LogonType>\n      <RunLevel>LeastPrivilege</RunLevel>\n    </Principal>\n  </Principals>\n")
	b.WriteString("  <Settings>\n    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>\n")
	b.WriteString("    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>\n    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>\n")
	b.WriteString("    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>\n    <Hidden>true</Hidden>\n")
	// Task Scheduler's shortest restart interval is one minute.
	fmt.Fprintf(&b, "    <RestartOnFailure>\n      <Interval>PT%dM</Interval>\n      <Count>999</Count>\n    </RestartOnFailure>\n",
		max(1, int(d.RestartDelay.Minutes())))
	b.WriteString("    <Enabled>true</Enabled>\n  </Settings>\n")
	fmt.Fprintf(&b, "  <Actions Context=\"Author\">\n    <Exec>\n      <Command>%s</Command>\n      <Arguments>%s</Arguments>\n    </Exec>\n  </Actions>\n",
		xmlText(d.Program), xmlText(windowsArgs(d.Args)))
	b.WriteString("</Task>\n")
	p := filepath.Join(tmp, d.Name+".xml")
	return File{
		Kind:    "Task Scheduler logon task",
		Path:    p,
		Content: b.Bytes(),
		Enable:  [][]string{{"schtasks", "/Create", "/TN", d.Name, "/XML", p, "/F"}, {"schtasks", "/Run", "/TN", d.Name}},
		Disable: [][]string{{"schtasks", "/End", "/TN", d.Name}, {"schtasks", "/Delete", "/TN", d.Name, "/F"}},
	}
}

// windowsArgs joins args as the C runtime splits them: each in double
// quotes, backslashes before a quote doubled.
func windowsArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		var b strings.Builder
		b.WriteByte('"')
		slashes := 0
		for _, r := range a {
			switch r {
			case '\\':
				slashes++
				continue
			case '"':
				b.WriteString(strings.Repeat(`\`, 2*slashes+1))
			default:
				b.WriteString(strings.Repeat(`\`, slashes))
			}
			slashes = 0
			b.WriteRune(r)
		}
		b.WriteString(strings.Repeat(`\`, 2*slashes))
		b.WriteByte('"')
		q[i] = b.String()
	}
	return strings.Join(q, " ")
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
