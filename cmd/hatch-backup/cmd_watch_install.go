package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"unicode/utf16"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

// watchService is watch --install / --uninstall.
func (a *app) watchService(c *cli.Context) error {
	if c.Bool("install") && c.Bool("uninstall") {
		return usagef("--install and --uninstall: choose one")
	}
	if c.IsSet("host") || c.IsSet("debounce") || c.IsSet("min-interval") || c.IsSet("compress") {
		return usagef("the service watches every host with the default settings: drop --host, --debounce, --min-interval and --compress")
	}
	root, err := a.root(c)
	if err != nil {
		return err
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		return fmt.Errorf("path of this program: %w", err)
	}
	env := a.env()
	home := env.Getenv("HOME")
	if runtime.GOOS == "windows" && env.Getenv("USERPROFILE") != "" {
		home = env.Getenv("USERPROFILE")
	}
	if home == "" {
		return usagef("no home folder: set HOME")
	}
	f, err := store.WatchService(runtime.GOOS, exe, root, home, os.Getuid(), os.TempDir())
	if err != nil {
		return err
	}
	if c.Bool("uninstall") {
		return a.uninstallService(f)
	}
	if c.Bool("dry-run") {
		fmt.Fprintf(a.stdout, "# %s, would be written to %s\n", f.Kind, f.Path)
		if _, err := a.stdout.Write(f.Content); err != nil {
			return err
		}
		for _, cmd := range f.Enable {
			fmt.Fprintf(a.stdout, "# then: %s\n", strings.Join(cmd, " "))
		}
		return nil
	}
	if err := store.CheckOutsideRoot(root, f.Path); err != nil {
		return fmt.Errorf("service file %w", err)
	}
	return a.installService(f)
}

func (a *app) installService(f store.ServiceFile) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return fmt.Errorf("service folder %s: %w", filepath.Dir(f.Path), err)
	}
	content := f.Content
	if runtime.GOOS == "windows" {
		content = utf16LE(content) // schtasks reads the XML as its declaration says
	}
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, content, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	if err := os.Rename(tmp, f.Path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	fmt.Fprintf(a.stderr, "hatch-backup: wrote the %s %s\n", f.Kind, f.Path)
	if err := runAll(f.Enable); err != nil {
		return fmt.Errorf("%s written, but starting it failed: %w", f.Kind, err)
	}
	if runtime.GOOS == "windows" {
		os.Remove(f.Path) // the task lives in Task Scheduler now
	}
	fmt.Fprintf(a.stderr, "hatch-backup: the watch runs now and at every login\n")
	return nil
}

func (a *app) uninstallService(f store.ServiceFile) error {
	err := runAll(f.Disable)
	if rerr := os.Remove(f.Path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", f.Path, rerr)
	}
	if err != nil && runtime.GOOS != "windows" {
		// The file is gone, so the service does not come back at the next
		// login; a stop that failed (it was not running) is no reason to fail.
		fmt.Fprintf(a.stderr, "hatch-backup: note: %s\n", oneLine(err))
	} else if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "hatch-backup: removed the %s\n", f.Kind)
	return nil
}

// runAll runs each command in turn; the first failure names the command
// and its output.
func runAll(cmds [][]string) error {
	for _, c := range cmds {
		out, err := exec.Command(c[0], c[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %w: %s", strings.Join(c, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// utf16LE encodes UTF-8 text as UTF-16LE with a byte-order mark.
func utf16LE(b []byte) []byte {
	u := utf16.Encode([]rune(string(b)))
	out := []byte{0xff, 0xfe}
	for _, r := range u {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}
