//go:build unix

package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// The crash suite (RELIABILITY.md, "Crash"): a child process (this test
// binary, re-executed into TestCrashChild) runs store operations and is
// killed with SIGKILL, at random moments and at each named step of the
// write protocol. After every kill, checkAfterCrash proves the promises.
//
//	HATCH_CRASH_KILLS=5000 go test -run TestCrashRandom ./store   # a long run
//	HATCH_CRASH_SEED=1234 go test -run TestCrashRandom ./store    # repeat a run

// crashHost is the host every crash test backs up.
const crashHost = "cursor"

// crashOp is one operation the child runs. A new store operation (clean,
// compact) plugs in here: add it to crashOps and, if it has protocol steps
// of its own, to crashScript.
type crashOp struct {
	name string
	// weight is how often the random loop picks it.
	weight int
	run    func(c *crashChild) error
}

var crashOps = []crashOp{
	{"create", 4, (*crashChild).create},
	{"write-config", 3, (*crashChild).writeConfig},
	{"restore", 3, (*crashChild).restore},
	{"reindex", 1, (*crashChild).reindex},
	{"clean", 1, (*crashChild).clean},
	{"first-build", 1, (*crashChild).firstBuild},
	{"reindex-damaged", 1, (*crashChild).reindexDamaged},
}

// crashScript is the deterministic child's fixed sequence: every protocol
// step of create, the atomic writer, restore (with its safety backup) and
// reindex happens in it at least once.
var crashScript = []string{"create", "write-config", "restore", "create-zstd", "reindex", "clean", "first-build", "reindex-damaged"}

// crashContents are the only contents the live config ever has: after any
// crash it must be byte-identical to one of them. The sizes differ so
// that a torn write shows.
func crashContents() [][]byte {
	out := make([][]byte, 6)
	for i := range out {
		pad := strings.Repeat("x", i*9000)
		out[i] = fmt.Appendf(nil, `{"mcpServers": {"s%d": {"command": "npx", "pad": "%s"}}}`+"\n", i, pad)
	}
	return out
}

// acked is a backup the child reported as done. forget marks instead a
// backup the child is about to let clean remove: from then on it may be
// gone, so the parent stops holding the store to it.
type acked struct {
	host, ts, sum string
	forget        bool
	// event is "damaged" when the child is about to damage the index and
	// "repaired" once reindex repaired it; then the rest is empty.
	event string
}

// crashRoot is one backup root and live config the children work on.
type crashRoot struct {
	t      *testing.T
	root   string
	config string
	acks   []acked
	// damaged: the child damaged the index on purpose and was killed
	// before reindex repaired it.
	damaged bool
}

func newCrashRoot(t *testing.T) *crashRoot {
	t.Helper()
	dir := t.TempDir()
	r := &crashRoot{t: t, root: filepath.Join(dir, "backups"), config: filepath.Join(dir, "home", "mcp.json")}
	if err := os.MkdirAll(filepath.Dir(r.config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.config, crashContents()[0], 0o600); err != nil {
		t.Fatal(err)
	}
	return r
}

// child starts the child with extra environment; ready is closed when it
// runs, done when it has exited (its acks read).
type childRun struct {
	cmd   *exec.Cmd
	ready chan struct{}
	done  chan []acked
}

func (r *crashRoot) start(seed uint64, env ...string) *childRun {
	r.t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HATCH_CRASH_CHILD=1", "HATCH_CRASH_ROOT="+r.root,
		"HATCH_CRASH_CONFIG="+r.config, fmt.Sprintf("HATCH_CRASH_SEED=%d", seed),
		"GORACE=atexit_sleep_ms=0")
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = []*os.File{pw}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	pw.Close()
	c := &childRun{cmd: cmd, ready: make(chan struct{}), done: make(chan []acked, 1)}
	go func() {
		var acks []acked
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 1 && f[0] == "ready" {
				close(c.ready)
			} else if len(f) == 4 && f[0] == "ack" {
				acks = append(acks, acked{host: f[1], ts: f[2], sum: f[3]})
			} else if len(f) == 3 && f[0] == "forget" {
				acks = append(acks, acked{host: f[1], ts: f[2], forget: true})
			} else if len(f) == 2 && f[0] == "event" {
				acks = append(acks, acked{event: f[1]})
			}
		}
		pr.Close()
		c.done <- acks
	}()
	return c
}

// wait reaps the child and keeps its acks; killed says whether SIGKILL
// ended it. Any other failure of the child fails the test.
func (r *crashRoot) wait(c *childRun) (killed bool) {
	r.t.Helper()
	err := c.cmd.Wait()
	for _, a := range <-c.done {
		if a.event != "" {
			r.damaged = a.event == "damaged"
			continue
		}
		if !a.forget {
			r.acks = append(r.acks, a)
			continue
		}
		r.acks = slices.DeleteFunc(r.acks, func(b acked) bool { return b.host == a.host && b.ts == a.ts })
	}
	if ee, ok := err.(*exec.ExitError); ok {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		r.t.Fatalf("child failed: %v\n%s", err, c.cmd.Stdout)
	}
	return false
}

// check proves the promises after a crash: the index passes its check,
// leftovers are only temp files and unindexed backups (and the index the
// child damaged on purpose), every acknowledged backup lists and reads
// back byte-exactly (a missing index is built by the opening, as any
// command would), the live config holds one whole content; then reindex
// repairs everything, verify is clean, every acknowledged backup lists
// and the latest restores.
func (r *crashRoot) check(what string, acks []acked) {
	r.t.Helper()
	ctx := context.Background()
	opts := Options{Root: r.root, LockTimeout: 10 * time.Second}
	if _, err := os.Stat(r.root); err != nil {
		if len(acks) > 0 {
			r.t.Fatalf("%s: %d backups acknowledged, no root: %v", what, len(acks), err)
		}
		return
	}
	inspect := opts
	inspect.Inspect = true
	s, err := Open(ctx, inspect)
	if err != nil {
		r.t.Fatalf("%s: open: %v", what, err)
	}
	v, err := s.Verify(ctx, VerifyOptions{})
	if err != nil {
		r.t.Fatalf("%s: verify: %v", what, err)
	}
	for _, p := range v.Problems {
		if p.Kind != ProblemTemp && p.Kind != ProblemUnindexed && !(r.damaged && p.Kind == ProblemIndexCorrupt) {
			r.t.Errorf("%s: after a crash verify found %s", what, p)
		}
	}
	s.Close()
	if !r.damaged {
		reader := opts
		reader.UpgradingReader = true
		if s, err = Open(ctx, reader); err != nil {
			r.t.Fatalf("%s: open to read: %v", what, err)
		}
		r.checkAcks(what, s, acks)
		s.Close()
	}
	r.checkConfig(what)

	res, err := Reindex(ctx, opts, ReindexOptions{})
	if err != nil || len(res.Problems) > 0 {
		r.t.Fatalf("%s: reindex: %v %v", what, err, res.Problems)
	}
	r.damaged = false
	s, err = Open(ctx, opts)
	if err != nil {
		r.t.Fatalf("%s: open after reindex: %v", what, err)
	}
	defer s.Close()
	if v, err := s.Verify(ctx, VerifyOptions{}); err != nil || len(v.Problems) > 0 {
		r.t.Fatalf("%s: verify after reindex: %v %v", what, err, v.Problems)
	}
	r.checkAcks(what+", after reindex", s, acks)
	if len(acks) > 0 {
		r.restoreAcked(what, s, acks[len(acks)-1])
	}
}

// restoreAcked restores an acknowledged backup to a scratch file and
// compares its bytes with what was acknowledged.
func (r *crashRoot) restoreAcked(what string, s *Store, a acked) {
	r.t.Helper()
	to := filepath.Join(r.t.TempDir(), "restored.json")
	if _, err := s.Restore(context.Background(), RestoreOptions{Host: a.host, Timestamp: a.ts, To: to, NoBackup: true}); err != nil {
		r.t.Errorf("%s: restore of acknowledged %s: %v", what, a.ts, err)
		return
	}
	data, err := os.ReadFile(to)
	if err != nil || sha256Hex(data) != a.sum {
		r.t.Errorf("%s: acknowledged %s restored other bytes (%v)", what, a.ts, err)
	}
}

// checkAcks: every acknowledged backup is in the index and reads back
// with its sha256 (Read is what restore uses before it writes anything).
func (r *crashRoot) checkAcks(what string, s *Store, acks []acked) {
	r.t.Helper()
	ctx := context.Background()
	for _, a := range acks {
		b, err := s.Get(ctx, a.host, a.ts)
		if err != nil {
			r.t.Errorf("%s: acknowledged backup %s %s: %v", what, a.host, a.ts, err)
			continue
		}
		data, err := s.Read(b)
		if err != nil {
			r.t.Errorf("%s: acknowledged backup %s: %v", what, b.Path, err)
			continue
		}
		if sum := sha256Hex(data); sum != a.sum {
			r.t.Errorf("%s: acknowledged backup %s reads back as %s, acknowledged %s", what, b.Path, sum, a.sum)
		}
	}
}

func sha256Hex(data []byte) string {
	s := blob.Sum(data)
	return hex.EncodeToString(s[:])
}

// checkConfig: the live config is one whole content, and the only other
// files beside it are the atomic writer's temp files.
func (r *crashRoot) checkConfig(what string) {
	r.t.Helper()
	got, err := os.ReadFile(r.config)
	if err != nil {
		r.t.Fatalf("%s: live config: %v", what, err)
	}
	whole := false
	for _, c := range crashContents() {
		whole = whole || bytes.Equal(got, c)
	}
	if !whole {
		r.t.Errorf("%s: the live config (%d bytes) is neither old nor new content", what, len(got))
	}
	entries, _ := os.ReadDir(filepath.Dir(r.config))
	for _, e := range entries {
		if e.Name() != filepath.Base(r.config) && !tempname.Is(e.Name()) {
			r.t.Errorf("%s: unexpected %s beside the live config", what, e.Name())
		}
	}
}

// crashSeed is HATCH_CRASH_SEED or the clock, printed so a run repeats.
func crashSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("HATCH_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("HATCH_CRASH_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (HATCH_CRASH_SEED=%d repeats this run)", seed, seed)
	return seed
}

// TestCrashRandom kills the child at random moments, HATCH_CRASH_KILLS
// times (default 300), a fresh root every 25 kills.
func TestCrashRandom(t *testing.T) {
	if os.Getenv("HATCH_CRASH_CHILD") != "" {
		t.Skip("in the child")
	}
	kills := 300
	if s := os.Getenv("HATCH_CRASH_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	seed := crashSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	var r *crashRoot
	total := 0
	for i := range kills {
		if i%25 == 0 {
			r = newCrashRoot(t)
		}
		c := r.start(rng.Uint64())
		<-c.ready
		time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond)
		c.cmd.Process.Signal(syscall.SIGKILL)
		before := len(r.acks)
		if !r.wait(c) {
			t.Fatalf("kill %d: the child was not killed", i)
		}
		total += len(r.acks) - before
		r.check(fmt.Sprintf("kill %d (seed %d)", i, seed), r.acks)
		if t.Failed() {
			return
		}
	}
	t.Logf("%d kills, %d acknowledged backups checked after each", kills, total)
}

// TestCrashAtEachStep kills the child at every occurrence of every named
// step of the protocol, before and after the call, while it runs
// crashScript.
func TestCrashAtEachStep(t *testing.T) {
	if os.Getenv("HATCH_CRASH_CHILD") != "" {
		t.Skip("in the child")
	}
	steps := []string{"open-temp", "write", "sync", "close", "rename-noreplace", "syncdir", "rename", "remove", "acked", "read-open"}
	for _, op := range steps {
		for _, when := range []string{"before", "after"} {
			t.Run(op+"/"+when, func(t *testing.T) {
				kills := 0
				for n := 1; ; n++ {
					r := newCrashRoot(t)
					c := r.start(1, "HATCH_CRASH_SCRIPT=1", fmt.Sprintf("HATCH_CRASH_KILL=%s:%d:%s", op, n, when))
					if !r.wait(c) {
						break // the script ran past its last such step
					}
					kills++
					r.check(fmt.Sprintf("%s #%d %s", op, n, when), r.acks)
				}
				if kills == 0 && op != "remove" {
					t.Errorf("the script never reached step %s", op)
				}
				t.Logf("%d kill points", kills)
			})
		}
	}
}
