package main

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// hugeSize is the size of the generated config: past 256 MiB, four times
// the old refusal and as big as the largest ~/.claude.json reported.
const hugeSize = 256<<20 + 12345

// maxRSS bounds the peak resident memory of every command on the huge
// config: a fraction of its size, so that reading it whole fails the test.
// A binary built with the race detector (go test -race builds the binary
// so) keeps shadow memory for every allocation and runs 60-85 MiB here;
// 160 MiB still fails any command that holds the 256 MiB whole.
var maxRSS int64 = 64 << 20

func init() {
	if raceEnabled {
		maxRSS = 160 << 20
	}
}

// sparseHugeConfig writes a config of hugeSize bytes that takes almost no
// disk: a JSON prefix, a hole made by Truncate, and a closing brace. The
// hole reads as NUL bytes, so the file is not JSON: a config that big is
// never parsed (its parse state is unknown), only copied.
func sparseHugeConfig(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"mcpServers": {"huge": {"command": "npx", "env": {"API_KEY": "` + secretMarker + `"}}}`); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(hugeSize - 1); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("}"), hugeSize-1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return streamSum(t, p)
}

func streamSum(t *testing.T, p string) [32]byte {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return [32]byte(h.Sum(nil))
}

// runMeasured runs the binary with stdout into out (streamed, never held
// unless out holds it) and returns the exit code and the peak RSS.
func (e *testEnv) runMeasured(out io.Writer, args ...string) (code int, rss int64, stderr string) {
	e.t.Helper()
	cmd := exec.Command(binPath, args...)
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Env, cmd.Dir = out, &errb, e.vars, e.home
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	// Linux reports Maxrss in KiB.
	rss = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
	if strings.Contains(errb.String(), secretMarker) {
		e.t.Errorf("%v printed config content on stderr", args)
	}
	return code, rss, errb.String()
}

// mustBounded runs args, wants exit 0 and a peak RSS under maxRSS.
func (e *testEnv) mustBounded(out io.Writer, args ...string) {
	e.t.Helper()
	code, rss, stderr := e.runMeasured(out, args...)
	e.t.Logf("%v: peak RSS %d MiB", args, rss>>20)
	if code != 0 {
		e.t.Fatalf("%v: exit %d: %s", args, code, stderr)
	}
	if rss > maxRSS {
		e.t.Errorf("%v: peak RSS %d MiB, want under %d MiB for a %d MiB config", args, rss>>20, maxRSS>>20, hugeSize>>20)
	}
}

// A config over 256 MiB is backed up, listed, verified, shown, compacted
// and restored, each command in bounded memory; diff refuses it (exit 2).
func TestHugeConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 1 GiB")
	}
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	want := sparseHugeConfig(t, cfg)

	e.mustBounded(io.Discard, "create", "--host", "cursor")
	e.mustBounded(io.Discard, "create", "--host", "cursor", "--compress")
	e.mustBounded(io.Discard, "create", "--host", "cursor", "--compress", "--skip-unchanged")
	list := e.listJSON("--host", "cursor")
	if len(list) != 2 {
		t.Fatalf("list: %d backups, want 2 (the third was skipped)", len(list))
	}
	for _, b := range list {
		if b.OriginalSize != hugeSize {
			t.Errorf("list: %s holds %d bytes, want %d", b.Timestamp, b.OriginalSize, hugeSize)
		}
	}
	e.mustBounded(io.Discard, "list", "--host", "cursor")
	e.mustBounded(io.Discard, "verify")
	for _, b := range list {
		h := sha256.New()
		e.mustBounded(h, "show", "--host", "cursor", "--timestamp", b.Timestamp)
		if [32]byte(h.Sum(nil)) != want {
			t.Errorf("show %s: other bytes than the config", b.Timestamp)
		}
	}
	e.mustBounded(io.Discard, "compact", "--compress-older-than-days", "0")
	e.mustBounded(io.Discard, "verify")
	for _, b := range e.listJSON("--host", "cursor") {
		to := filepath.Join(e.home, "restored-"+b.Timestamp+".json")
		e.mustBounded(io.Discard, "restore", "--host", "cursor", "--timestamp", b.Timestamp, "--to", to)
		if streamSum(t, to) != want {
			t.Errorf("restore %s: other bytes than the config", b.Timestamp)
		}
		os.Remove(to)
	}
	for _, args := range [][]string{
		{"diff", "--host", "cursor"},
		{"restore", "--host", "cursor", "--servers", "--to", filepath.Join(e.home, "small.json")},
	} {
		if len(args) > 3 {
			e.writeConfig(args[len(args)-1], "small", 0o600)
		}
		r := e.run(args...)
		if r.code != 2 || !strings.Contains(r.stderr, "64 MiB limit for parsing") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v on a huge backup: want exit 2 and a one-line error naming the limit, got %s", args, r)
		}
	}
}
