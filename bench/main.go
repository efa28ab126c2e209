// Command bench measures hatch-backup as whole processes and prints one
// table: each operation's median wall time over -runs runs, its peak RSS,
// and its ratio to a baseline measured in the same run (a process that
// only makes the same bytes durable, a process that only starts, or
// another tool doing the same job). An operation and its baseline take
// turns run by run where they are measured together (writes, verify,
// latest), so that a slow spell of the machine does not fall on one of
// them only.
//
//	go run ./bench            # or scripts/bench.sh
//	go run ./bench -large=false -runs 11
//	go run ./bench -only watch -idle 60s   # watch and guard only
//	go run ./bench -deltas -runs 5   # the delta goals alone
//	go run ./bench -only 100k -runs 3   # reindex and clean of 100,000 alone
//	go run ./bench -only 1m             # reindex, then clean, of 1,000,000 files, once
//
// It builds hatch-backup and the baseline into a temporary folder and
// generates its stores there (about 200 MB with -large).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

func main() {
	runs := flag.Int("runs", 21, "runs of each operation")
	large := flag.Bool("large", true, "include the 1,000,000-backup store")
	keep := flag.Bool("keep", false, "keep the work folder")
	only := flag.String("only", "", `run one part only: "watch" (watch, guard), "100k" (reindex and clean of 100,000) or "1m" (reindex, then clean, of 1,000,000 files)`)
	idle := flag.Duration("idle", 60*time.Second, "how long the idle watch's CPU is measured")
	deltasOnly := flag.Bool("deltas", false, "measure only the delta goals (200 backups of a 168 KB config)")
	remoteN := flag.Int("remote", 10_000, "backups to push and pull through the S3 gateway (0: skip)")
	remoteOnly := flag.Bool("remote-only", false, "measure push and pull only")
	flag.Parse()
	if err := run(*runs, *large, *keep, *only, *idle, *deltasOnly, *remoteN, *remoteOnly); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench is the state of one run of the script.
type bench struct {
	dir, hb, raw string
	runs         int
	rows         []row
	base         map[string]sample
}

type row struct {
	op       string
	s        sample
	baseline string
}

type sample struct {
	median time.Duration
	rssKB  int64
}

func run(runs int, large, keep bool, only string, idle time.Duration, deltasOnly bool, remoteN int, remoteOnly bool) error {
	dir, err := os.MkdirTemp("", "hatch-backup-bench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	b := &bench{dir: dir, runs: runs, base: map[string]sample{},
		hb: filepath.Join(dir, "hatch-backup"), raw: filepath.Join(dir, "rawwrite")}
	for out, pkg := range map[string]string{b.hb: "./cmd/hatch-backup", b.raw: "./bench/rawwrite"} {
		if out, err := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", out, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	steps := []func() error{b.writes, b.queries(10_000), b.tenThousand, b.deltas}
	if large {
		steps = append(steps, b.queries(1_000_000), b.hundredThousand)
	}
	steps = append(steps, func() error { return b.watchBench(idle) })
	switch only {
	case "watch":
		steps = steps[len(steps)-1:]
	case "100k":
		steps = []func() error{b.hundredThousand}
	case "1m":
		steps = []func() error{b.million}
	}
	if deltasOnly {
		steps = []func() error{b.deltas}
	}
	if remoteOnly {
		steps = nil
	}
	if remoteN > 0 && !deltasOnly && only == "" {
		steps = append(steps, b.remote(remoteN))
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	b.print()
	return nil
}

// measure runs the command made by mk (given the run's number) b.runs
// times, each started and timed by the runner (rawwrite -measure), and
// records its median wall time and peak RSS.
func (b *bench) measure(op, baseline string, mk func(i int) *exec.Cmd) error {
	return b.measureTogether(timed{op, baseline, mk})
}

// timed is one operation to measure: its name, the name of its baseline
// ("" for a baseline) and the command of its i-th run.
type timed struct {
	op, baseline string
	mk           func(i int) *exec.Cmd
}

// measureTogether measures the operations as measure does, taking turns
// run by run (the i-th run of each, then the next), so that a slow spell
// of the machine falls on an operation and its baseline alike instead of
// on whichever ran during it.
func (b *bench) measureTogether(ops ...timed) error {
	walls := make([][]time.Duration, len(ops))
	rss := make([]int64, len(ops))
	for i := range b.runs {
		for j, o := range ops {
			wall, kb, err := b.time(o.op, o.mk(i))
			if err != nil {
				return err
			}
			walls[j] = append(walls[j], wall)
			rss[j] = max(rss[j], kb)
		}
	}
	for j, o := range ops {
		w := walls[j]
		sort.Slice(w, func(x, y int) bool { return w[x] < w[y] })
		s := sample{median: w[len(w)/2], rssKB: rss[j]}
		b.base[o.op] = s // any row may be another's baseline
		b.rows = append(b.rows, row{op: o.op, s: s, baseline: o.baseline})
	}
	return nil
}

// time runs target once through the runner and returns its wall time and
// peak RSS in KiB.
func (b *bench) time(op string, target *exec.Cmd) (time.Duration, int64, error) {
	cmd := exec.Command(b.raw, append([]string{"-measure"}, target.Args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("%s: %v: %s", op, err, stderr.String())
	}
	var ns, kb int64
	if _, err := fmt.Sscan(stdout.String(), &ns, &kb); err != nil {
		return 0, 0, fmt.Errorf("%s: runner said %q", op, stdout.String())
	}
	return time.Duration(ns), kb, nil
}

func (b *bench) hatch(root string, args ...string) *exec.Cmd {
	return exec.Command(b.hb, append([]string{"--root", root}, args...)...)
}

// writes measures create and restore against the raw durable write, all
// in turns (see measureTogether).
func (b *bench) writes() error {
	cfg := filepath.Join(b.dir, "mcp.json")
	if err := os.WriteFile(cfg, store.GenContent(7, 5120), 0o600); err != nil {
		return err
	}
	out := filepath.Join(b.dir, "raw")
	if err := os.Mkdir(out, 0o700); err != nil {
		return err
	}
	// Two backups of different content, restored in turn.
	rroot, target := filepath.Join(b.dir, "restore"), filepath.Join(b.dir, "target.json")
	var stamps []string
	for i := range 2 {
		os.WriteFile(target, store.GenContent(i, 5120), 0o600)
		if err := b.hatch(rroot, "create", "--host", "cursor", "--config", target).Run(); err != nil {
			return err
		}
		out, err := b.hatch(rroot, "list", "--host", "cursor", "--limit", "1", "--json").Output()
		if err != nil {
			return err
		}
		stamps = append(stamps, jsonField(string(out), "timestamp"))
	}
	const durable = "durable write 5 KB (baseline)"
	root := filepath.Join(b.dir, "writes")
	create := func(flags ...string) func(int) *exec.Cmd {
		return func(int) *exec.Cmd {
			return b.hatch(root, append([]string{"create", "--host", "cursor", "--config", cfg}, flags...)...)
		}
	}
	return b.measureTogether(
		timed{"process start (baseline)", "", func(int) *exec.Cmd { return exec.Command(b.raw) }},
		timed{durable, "", func(i int) *exec.Cmd {
			return exec.Command(b.raw, cfg, filepath.Join(out, fmt.Sprint("f", i)))
		}},
		timed{"create 5 KB", durable, create()},
		timed{"create 5 KB --compress", durable, create("--compress")},
		timed{"restore 5 KB --no-backup", durable, func(i int) *exec.Cmd {
			return b.hatch(rroot, "restore", "--host", "cursor", "--timestamp", stamps[i%2], "--no-backup")
		}},
	)
}

// queries measures listings on a store of n backups.
func (b *bench) queries(n int) func() error {
	return func() error {
		root := filepath.Join(b.dir, fmt.Sprint("q", n))
		if err := store.Generate(store.GenSpec{Root: root, N: n}); err != nil {
			return err
		}
		start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n/2) * time.Minute)
		since, until := start.Format(time.RFC3339), start.Add(99*time.Minute).Format(time.RFC3339)
		base := "process start (baseline)"
		for _, q := range []struct {
			op   string
			args []string
		}{
			{fmt.Sprintf("list --host --limit 20 (n=%d)", n), []string{"list", "--host", "cursor", "--limit", "20"}},
			{fmt.Sprintf("list 100 in a time range (n=%d)", n), []string{"list", "--since", since, "--until", until}},
			{fmt.Sprintf("list --json, all (n=%d)", n), []string{"list", "--json"}},
		} {
			runs := b.runs
			if strings.HasPrefix(q.op, "list --json") {
				b.runs = min(b.runs, 5)
			}
			err := b.measure(q.op, base, func(int) *exec.Cmd { return b.hatch(root, q.args...) })
			b.runs = runs
			if err != nil {
				return err
			}
		}
		return nil
	}
}

// tenThousand works on 10,000 backups of 5 KB of one host, files
// included: verify against sha256sum over the same files, and finding the
// latest backup against the Python Hatch algorithm.
func (b *bench) tenThousand() error {
	root := filepath.Join(b.dir, "10k")
	if err := store.Generate(store.GenSpec{Root: root, N: 10_000, Hosts: []string{"cursor"}, Files: true}); err != nil {
		return err
	}
	const sum = "sha256sum of the same files (baseline)"
	err := b.measureTogether(
		timed{sum, "", func(int) *exec.Cmd {
			return exec.Command("sh", "-c", "find \"$1\" -name 'mcp.json.*' -print0 | xargs -0 sha256sum >/dev/null", "sh", root)
		}},
		timed{"verify of 10,000", sum, func(int) *exec.Cmd { return b.hatch(root, "verify") }},
	)
	if err != nil {
		return err
	}
	return b.python(root)
}

// hundredThousand: reindex of 100,000 files whose index was lost, then
// clean keeping 10 of them (once: it removes the rest).
func (b *bench) hundredThousand() error {
	root := filepath.Join(b.dir, "100k")
	if err := store.Generate(store.GenSpec{Root: root, N: 100_000, Hosts: []string{"cursor"}, Files: true}); err != nil {
		return err
	}
	runs := b.runs
	defer func() { b.runs = runs }()
	b.runs = min(runs, 3)
	err := b.measure("reindex of 100,000 (index lost)", "", func(int) *exec.Cmd {
		os.Remove(filepath.Join(root, "index.db"))
		return b.hatch(root, "reindex")
	})
	if err != nil {
		return err
	}
	b.runs = 1
	return b.measure("clean keeping 10 of 100,000", "", func(int) *exec.Cmd {
		return b.hatch(root, "clean", "--host", "cursor", "--keep-count", "10")
	})
}

// million: reindex, then clean, of 1,000,000 small backup files (512 bytes, five
// hosts) whose index was lost, once: writing the files takes minutes
// and about 4 GB.
func (b *bench) million() error {
	root := filepath.Join(b.dir, "1m")
	if err := store.Generate(store.GenSpec{Root: root, N: 1_000_000, Size: 512, Files: true}); err != nil {
		return err
	}
	runs := b.runs
	defer func() { b.runs = runs }()
	b.runs = 1
	err := b.measure("reindex of 1,000,000 (index lost)", "", func(int) *exec.Cmd {
		os.Remove(filepath.Join(root, "index.db"))
		return b.hatch(root, "reindex")
	})
	if err != nil {
		return err
	}
	// Then clean on the index the reindex built: once, it removes the
	// rest (dry run first, which removes nothing).
	if err := b.measure("clean --dry-run keeping 10 a host of 1,000,000", "", func(int) *exec.Cmd {
		return b.hatch(root, "clean", "--keep-count", "10", "--dry-run")
	}); err != nil {
		return err
	}
	return b.measure("clean keeping 10 a host of 1,000,000", "", func(int) *exec.Cmd {
		return b.hatch(root, "clean", "--keep-count", "10")
	})
}

// python compares finding a host's latest backup among the 10,000 of root
// with the Python Hatch algorithm (bench/hatch_latest.py).
func (b *bench) python(root string) error {
	if err := exec.Command("python3", "-c", "import pydantic").Run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: no python3 with pydantic; skipping the Python comparison")
		return nil
	}
	script, _ := filepath.Abs("bench/hatch_latest.py")
	const python = "Python Hatch: latest of 10,000 (baseline)"
	return b.measureTogether(
		timed{python, "", func(int) *exec.Cmd { return exec.Command("python3", script, root, "cursor") }},
		timed{"latest of 10,000", python, func(int) *exec.Cmd {
			return b.hatch(root, "list", "--host", "cursor", "--limit", "1")
		}},
	)
}

func (b *bench) print() {
	fmt.Printf("%-44s %12s %12s %14s  %s\n", "operation", "median", "peak RSS", "ratio", "baseline")
	for _, r := range b.rows {
		ratio, base := "", ""
		if r.baseline != "" {
			x := float64(r.s.median) / float64(b.base[r.baseline].median)
			ratio = fmt.Sprintf("%.2fx", x)
			if x < 0.1 { // a speed-up: say how many times faster
				ratio = fmt.Sprintf("%.0fx faster", 1/x)
			}
			base = r.baseline
		}
		fmt.Printf("%-44s %12s %9.1f MiB %14s  %s\n", r.op, r.s.median.Round(10*time.Microsecond), float64(r.s.rssKB)/1024, ratio, base)
	}
}

// jsonField pulls one string field out of list --json's first object.
func jsonField(doc, field string) string {
	i := strings.Index(doc, `"`+field+`":"`)
	if i < 0 {
		return ""
	}
	rest := doc[i+len(field)+4:]
	return rest[:strings.IndexByte(rest, '"')]
}
