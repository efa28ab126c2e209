package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// binPath is the hatch-backup binary built once for the end-to-end tests.
var binPath string

func TestMain(m *testing.M) {
	// A binary built elsewhere: the Windows run under Wine (.ci/wine-test)
	// has no Go toolchain to build one.
	if bin := os.Getenv("HATCH_BACKUP_TEST_BIN"); bin != "" {
		binPath = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "hatch-backup-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "hatch-backup")
	args := []string{"build", "-tags", "urfave_cli_no_docs", "-o", binPath} // as the README builds it
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hatch-backup: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testEnv is a fake user: HOME and every host override point into a
// temporary folder, so no test touches the real home or real configs.
type testEnv struct {
	t    *testing.T
	home string
	root string // the default backup root under home
	vars []string
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	home := t.TempDir()
	e := &testEnv{t: t, home: home, root: filepath.Join(home, ".hatch", "mcp_host_config_backups")}
	e.vars = []string{"HOME=" + home, "USERPROFILE=" + home, "PATH=" + os.Getenv("PATH"), "TZ=" + os.Getenv("TZ"),
		// A race-enabled binary sleeps a second at exit by default; a data
		// race still fails it (exit 66).
		"GORACE=atexit_sleep_ms=0 halt_on_error=1"}
	return e
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

// run executes the binary with args under the fake user.
func (e *testEnv) run(args ...string) result {
	e.t.Helper()
	return e.runCmd(exec.Command(binPath, args...))
}

// runUmask executes the binary through sh with a umask set first.
func (e *testEnv) runUmask(umask string, args ...string) result {
	e.t.Helper()
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return e.runCmd(exec.Command("sh", "-c", "umask "+umask+" && exec '"+binPath+"' "+strings.Join(quoted, " ")))
}

func (e *testEnv) runCmd(cmd *exec.Cmd) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &errb, e.vars
	if cmd.Dir == "" {
		cmd.Dir = e.home // no project-local config (./.vibe) of the test's folder
	}
	err := cmd.Run()
	// A process that could not even be started never ran hatch-backup, so
	// starting it again is safe. Wine's CreateProcess fails now and then
	// with "Internal error" under load; a few tries, each logged.
	for try := 1; err != nil && cmd.Process == nil && try < 5; try++ {
		e.t.Logf("starting %v failed (%v); try %d", cmd.Args, err, try+1)
		time.Sleep(time.Duration(try) * 200 * time.Millisecond)
		again := exec.Command(cmd.Path, cmd.Args[1:]...)
		again.Dir, again.Env = cmd.Dir, cmd.Env
		out.Reset()
		errb.Reset()
		again.Stdout, again.Stderr = &out, &errb
		cmd = again
		err = cmd.Run()
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running %v: %v", cmd.Args, err)
	}
	r := result{stdout: out.String(), stderr: errb.String(), code: code}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, secretMarker) && !isContentCommand(cmd.Args) {
			e.t.Errorf("%v printed config content:\n%s", cmd.Args, r)
		}
	}
	return r
}

// secretMarker is in every config the tests write; only show and diff may
// ever print it.
const secretMarker = "sk-test-SECRET-0123456789"

func isContentCommand(args []string) bool {
	for _, a := range args {
		if a == "show" || a == "diff" {
			return true
		}
	}
	return false
}

// must runs args and fails the test unless the exit code is want.
func (e *testEnv) must(want int, args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != want {
		e.t.Fatalf("%v: want exit %d, got %s", args, want, r)
	}
	return r
}

// writeConfig writes a config holding the secret marker and a tag, and
// returns its bytes.
func (e *testEnv) writeConfig(path, tag string, mode fs.FileMode) []byte {
	e.t.Helper()
	data := []byte(fmt.Sprintf(`{"mcpServers": {"%s": {"command": "npx", "env": {"API_KEY": "%s"}}}}`+"\n", tag, secretMarker))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(path, data, mode); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		e.t.Fatal(err)
	}
	return data
}

// listJSON returns `list --json` with extra args, decoded.
func (e *testEnv) listJSON(args ...string) []backupJSON {
	e.t.Helper()
	r := e.must(0, append([]string{"list", "--json"}, args...)...)
	var out []backupJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		e.t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	return out
}

// snapshot maps every path under dir to its mode and content, to prove
// that a failed command changed nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		content := ""
		if fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			content = string(b)
		}
		snap[p] = fmt.Sprintf("%v %q", fi.Mode(), content)
		return nil
	})
	return snap
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s changed %s: %s -> %s", what, p, v, after[p])
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s created %s", what, p)
		}
	}
}

// unixModes: file modes are access control here. Windows has only the
// read-only attribute; its owner-only ACL is checked by atomic's tests.
const unixModes = runtime.GOOS != "windows"

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}
