//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWatchInstallDryRun prints the unit, with the binary's absolute path
// and the current root, and writes nothing.
func TestWatchInstallDryRun(t *testing.T) {
	e := newEnv(t)
	root := filepath.Join(e.home, "my backups")
	before := snapshot(t, e.home)
	r := e.must(0, "--root", root, "watch", "--install", "--dry-run")
	sameSnapshot(t, "watch --install --dry-run", before, snapshot(t, e.home))
	unit := filepath.Join(e.home, ".config", "systemd", "user", "hatch-backup-watch.service")
	exe, _ := filepath.EvalSymlinks(binPath)
	for _, want := range []string{unit, `ExecStart="` + exe + `" "--root" "` + root + `" "watch"`, "Restart=always", "WantedBy=default.target"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
}

// TestWatchInstallAndUninstall writes the unit and enables it through
// systemctl (a stand-in that logs its arguments), then removes it.
func TestWatchInstallAndUninstall(t *testing.T) {
	e := newEnv(t)
	bin := filepath.Join(e.home, "bin")
	log := filepath.Join(e.home, "systemctl.log")
	os.MkdirAll(bin, 0o755)
	os.WriteFile(filepath.Join(bin, "systemctl"), []byte("#!/bin/sh\necho \"$@\" >> '"+log+"'\n"), 0o755)
	for i, v := range e.vars {
		if strings.HasPrefix(v, "PATH=") {
			e.vars[i] = "PATH=" + bin + ":" + os.Getenv("PATH")
		}
	}
	e.must(0, "watch", "--install")
	unit := filepath.Join(e.home, ".config", "systemd", "user", "hatch-backup-watch.service")
	if _, err := os.Stat(unit); err != nil {
		t.Fatal(err)
	}
	if got := readOrEmpty(t, log); !strings.Contains(got, "--user enable --now hatch-backup-watch.service") {
		t.Errorf("systemctl calls: %s", got)
	}
	e.must(0, "watch", "--uninstall")
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Errorf("unit still there: %v", err)
	}
	if got := readOrEmpty(t, log); !strings.Contains(got, "--user disable --now hatch-backup-watch.service") {
		t.Errorf("systemctl calls: %s", got)
	}
	e.must(2, "watch", "--install", "--host", "cursor")
}
