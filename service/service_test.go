package service

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostile is a root that needs every kind of quoting.
const hostile = `/tmp/my "backups" 100% $HOME\x <&>`

func TestSystemdUnitParses(t *testing.T) {
	f := Systemd(Watch("/usr/local/bin/hatch-backup", hostile), "/home/u")
	if f.Path != "/home/u/.config/systemd/user/hatch-backup-watch.service" {
		t.Errorf("path %s", f.Path)
	}
	sections := map[string]map[string]string{}
	var cur string
	for _, line := range strings.Split(string(f.Content), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			cur = strings.Trim(line, "[]")
			sections[cur] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || cur == "" {
				t.Fatalf("bad line %q", line)
			}
			sections[cur][k] = v
		}
	}
	svc := sections["Service"]
	if svc["Restart"] != "always" || svc["RestartSec"] == "" || sections["Install"]["WantedBy"] != "default.target" {
		t.Errorf("unit: %s", f.Content)
	}
	if got := unquoteSystemd(t, svc["ExecStart"]); !slices.Equal(got, []string{"/usr/local/bin/hatch-backup", "--root", hostile, "watch"}) {
		t.Errorf("ExecStart words %q", got)
	}
}

// unquoteSystemd splits an ExecStart line of double-quoted words.
func unquoteSystemd(t *testing.T, s string) []string {
	var words []string
	for s != "" {
		s = strings.TrimLeft(s, " ")
		if s == "" || s[0] != '"' {
			t.Fatalf("unquoted word in %q", s)
		}
		var b strings.Builder
		i := 1
		for ; s[i] != '"'; i++ {
			switch {
			case s[i] == '\\':
				i++
			case s[i] == '%' || s[i] == '$':
				i++ // doubled
			}
			b.WriteByte(s[i])
		}
		words = append(words, b.String())
		s = s[i+1:]
	}
	return words
}

func TestSystemdAnalyzeVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f := Systemd(Watch(exe, t.TempDir()), t.TempDir())
	p := filepath.Join(t.TempDir(), "hatch-backup-watch.service")
	if err := os.WriteFile(p, f.Content, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", "--user", p).CombinedOutput()
	if err != nil && strings.Contains(string(out), "hatch-backup-watch") {
		t.Fatalf("systemd-analyze verify: %v\n%s\n%s", err, out, f.Content)
	}
}

func TestLaunchdPlistParses(t *testing.T) {
	f := Launchd(Watch("/usr/local/bin/hatch-backup", hostile), "/Users/u", 501)
	var plist struct {
		Dict struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"dict"`
	}
	if err := xml.Unmarshal(f.Content, &plist); err != nil {
		t.Fatalf("plist: %v\n%s", err, f.Content)
	}
	d := xml.NewDecoder(strings.NewReader("<d>" + string(plist.Dict.Inner) + "</d>"))
	var keys, strs []string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "key" || se.Name.Local == "string") {
			var s string
			if err := d.DecodeElement(&s, &se); err != nil {
				t.Fatal(err)
			}
			if se.Name.Local == "key" {
				keys = append(keys, s)
			} else {
				strs = append(strs, s)
			}
		}
	}
	for _, k := range []string{"Label", "ProgramArguments", "RunAtLoad", "KeepAlive"} {
		if !slices.Contains(keys, k) {
			t.Errorf("no key %s in %s", k, f.Content)
		}
	}
	if !slices.Equal(strs[1:5], []string{"/usr/local/bin/hatch-backup", "--root", hostile, "watch"}) {
		t.Errorf("arguments %q", strs)
	}
	if f.Path != "/Users/u/Library/LaunchAgents/io.github.hatch-backup.watch.plist" || f.Enable[0][2] != "gui/501" {
		t.Errorf("path %s, enable %q", f.Path, f.Enable)
	}
}

func TestTaskSchedulerXMLParses(t *testing.T) {
	f := TaskScheduler(Watch(`C:\Program Files\hatch\hatch-backup.exe`, `C:\Users\u\my "b" dir\`), `C:\Temp`)
	var task struct {
		Triggers struct {
			Logon *struct{} `xml:"LogonTrigger"`
		}
		Settings struct {
			RestartOnFailure   struct{ Interval, Count string }
			ExecutionTimeLimit string
		}
		Actions struct {
			Exec struct{ Command, Arguments string }
		}
	}
	// encoding/xml reads only UTF-8; the declaration is for schtasks,
	// which gets the file in UTF-16.
	text := strings.Replace(string(f.Content), `encoding="UTF-16"`, `encoding="UTF-8"`, 1)
	if err := xml.Unmarshal([]byte(text), &task); err != nil {
		t.Fatalf("task: %v\n%s", err, f.Content)
	}
	if task.Triggers.Logon == nil || task.Settings.RestartOnFailure.Interval == "" || task.Settings.ExecutionTimeLimit != "PT0S" {
		t.Errorf("task: %s", f.Content)
	}
	if task.Actions.Exec.Command != `C:\Program Files\hatch\hatch-backup.exe` ||
		task.Actions.Exec.Arguments != `"--root" "C:\Users\u\my \"b\" dir\\" "watch"` {
		t.Errorf("exec %q %q", task.Actions.Exec.Command, task.Actions.Exec.Arguments)
	}
}
