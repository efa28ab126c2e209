package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// watchBench measures the automatic protection (issue 12's goals), in one
// run: the watch's CPU while idle with 11 hosts watched and its peak RSS,
// the latency from a config's last write to its durable, indexed backup
// against the debounce plus 2x a whole-process create of the same file,
// and guard -- true against create --all --skip-unchanged with the same 11
// configs. It sets HOME to a fake home for its commands, never the real
// one.
func (b *bench) watchBench(idle time.Duration) error {
	home := filepath.Join(b.dir, "watch-home")
	root := filepath.Join(b.dir, "watch-root")
	env := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME=", "APPDATA=", "CODEX_HOME=")
	paths, err := b.hostPaths(env)
	if err != nil {
		return err
	}
	for i, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(p, benchConfig(p, i), 0o600); err != nil {
			return err
		}
	}
	const debounce = 100 * time.Millisecond
	cmd := exec.Command(b.hb, "--root", root, "watch", "--json", "--debounce", debounce.String())
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() }()
	events := make(chan time.Time, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var ev struct{ Event string }
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "backup" {
				events <- time.Now()
			}
		}
	}()
	for range paths { // the backups at start
		select {
		case <-events:
		case <-time.After(time.Minute):
			return fmt.Errorf("watch: no backup at start")
		}
	}
	// Idle: nothing changes for the window.
	cpu0, err := cpuTicks(cmd.Process.Pid)
	if err != nil {
		fmt.Printf("watch idle CPU: not measured here (%v)\n", err)
	}
	time.Sleep(idle)
	if cpu1, err := cpuTicks(cmd.Process.Pid); err == nil && cpu0 >= 0 {
		// Linux's clock ticks are 100 per second.
		pct := float64(cpu1-cpu0) / 100 / idle.Seconds() * 100
		fmt.Printf("watch idle CPU over %s, %d hosts watched: %.2f%% (%d ticks)\n", idle, len(paths), pct, cpu1-cpu0)
	}
	// Latency: one config rewritten with a new server each run, in turns
	// with a whole-process create of the same file into another root (so
	// that a slow spell of the machine falls on both).
	var lat, creates []time.Duration
	target := paths[3] // cursor
	createRoot := filepath.Join(b.dir, "watch-create-root")
	for i := range b.runs {
		t0 := time.Now()
		if err := os.WriteFile(target, benchConfig(target, 100+i), 0o600); err != nil {
			return err
		}
		select {
		case t := <-events:
			lat = append(lat, t.Sub(t0))
		case <-time.After(time.Minute):
			return fmt.Errorf("watch: no backup after a write")
		}
		wall, _, err := b.time("create", b.hatch(createRoot, "create", "--host", "cursor", "--config", target))
		if err != nil {
			return err
		}
		creates = append(creates, wall)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if kb, err := peakRSS(cmd.Process.Pid); err == nil {
		fmt.Printf("watch peak RSS: %.1f MiB\n", float64(kb)/1024)
	}
	sort.Slice(creates, func(i, j int) bool { return creates[i] < creates[j] })
	med, create := lat[len(lat)/2], creates[len(creates)/2]
	fmt.Printf("watch latency, last write to durable indexed backup: median %s; debounce %s + 2x create (%s) = %s: %.2fx of the goal\n",
		med.Round(time.Microsecond), debounce, create.Round(time.Microsecond), debounce+2*create, float64(med)/float64(debounce+2*create))

	// guard -- true against create --all --skip-unchanged (the runner
	// inherits this process's environment: HOME is the fake one meanwhile).
	realHome := os.Getenv("HOME")
	os.Setenv("HOME", home)
	defer os.Setenv("HOME", realHome)
	return b.measureTogether(
		timed{"create --all --skip-unchanged (11 configs)", "", func(int) *exec.Cmd {
			return b.hatch(root, "create", "--all", "--skip-unchanged")
		}},
		timed{"guard -- true (11 configs)", "create --all --skip-unchanged (11 configs)", func(int) *exec.Cmd {
			return b.hatch(root, append([]string{"guard", "--"}, trueCommand()...)...)
		}},
	)
}

// hostPaths asks hatch-backup where each host's config goes under env.
func (b *bench) hostPaths(env []string) ([]string, error) {
	cmd := exec.Command(b.hb, "hosts", "--json")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("hosts --json: %v", err)
	}
	var hosts []struct{ Path string }
	if err := json.Unmarshal(out, &hosts); err != nil {
		return nil, err
	}
	var paths []string
	for _, h := range hosts {
		paths = append(paths, h.Path)
	}
	return paths, nil
}

// benchConfig is a config in the format p's name says, with server n.
func benchConfig(p string, n int) []byte {
	if strings.HasSuffix(p, ".toml") {
		return fmt.Appendf(nil, "[mcp_servers.s%d]\ncommand = \"npx\"\n", n)
	}
	return fmt.Appendf(nil, `{"mcpServers": {"s%d": {"command": "npx"}}, "servers": {"s%d": {"command": "npx"}}}`+"\n", n, n)
}

func trueCommand() []string {
	if runtime.GOOS == "windows" {
		return []string{"cmd.exe", "/c", "exit 0"}
	}
	if p, err := exec.LookPath("true"); err == nil {
		return []string{p}
	}
	return []string{"true"}
}

// cpuTicks is the process's user+system CPU time in clock ticks (Linux).
func cpuTicks(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1, err
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s, nil
}

// peakRSS is the process's peak resident set in KiB (Linux).
func peakRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM")
}
