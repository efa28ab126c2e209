//go:build unix

package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/tempname"
	"github.com/hatch-backup/hatch-backup/retention"
)

// The crash suite of compact (RELIABILITY.md, "Crash"): a child process
// (this test binary, re-executed into TestCompactCrashChild) runs compact
// on a store of plain backups and is killed with SIGKILL, at random moments
// and at each step of the protocol. After every kill, checkCompactCrash
// proves the promises, then a second compact must finish the job.
//
//	HATCH_CRASH_KILLS=500 go test -run TestCompactCrashRandom ./store   # a long run
//	HATCH_CRASH_SEED=1234 go test -run TestCompactCrashRandom ./store   # repeat a run

// compactCrashKills is how many random kills a normal test run makes.
const compactCrashKills = 24

// TestCompactCrashChild is the child's entry point; it does nothing in a
// normal test run.
func TestCompactCrashChild(t *testing.T) {
	root := os.Getenv("HATCH_COMPACT_CRASH_ROOT")
	if root == "" {
		t.Skip("the compact crash suite's child process; runs only when re-executed")
	}
	opts := Options{Root: root, LockTimeout: 10 * time.Second}
	if spec := os.Getenv("HATCH_COMPACT_CRASH_KILL"); spec != "" {
		opts.FS = parseCompactKill(t, spec)
	}
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := crashChildOp(s, os.Getenv("HATCH_COMPACT_CRASH_MODE")); err != nil {
		t.Fatal(err)
	}
}

// compactKiller is an FS that SIGKILLs its own process at the nth call of
// one operation, before or after making it.
type compactKiller struct {
	hatomic.FS
	op    string
	n     int
	after bool

	mu   sync.Mutex
	seen int
}

// parseCompactKill reads "op:n:before" or "op:n:after".
func parseCompactKill(t *testing.T, spec string) *compactKiller {
	parts := strings.Split(spec, ":")
	n, err := strconv.Atoi(parts[1])
	if len(parts) != 3 || err != nil {
		t.Fatalf("kill spec %q", spec)
	}
	return &compactKiller{FS: hatomic.OS(), op: parts[0], n: n, after: parts[2] == "after"}
}

func (k *compactKiller) call(op string, fn func() error) error {
	k.mu.Lock()
	hit := false
	if op == k.op {
		k.seen++
		hit = k.seen == k.n
	}
	k.mu.Unlock()
	if hit && !k.after {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	err := fn()
	if hit {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return err
}

func (k *compactKiller) RenameNoReplace(o, n string) error {
	return k.call("rename-noreplace", func() error { return k.FS.RenameNoReplace(o, n) })
}
func (k *compactKiller) Rename(o, n string) error {
	return k.call("rename", func() error { return k.FS.Rename(o, n) })
}
func (k *compactKiller) Remove(p string) error {
	return k.call("remove", func() error { return k.FS.Remove(p) })
}
func (k *compactKiller) SyncDir(p string) error {
	return k.call("syncdir", func() error { return k.FS.SyncDir(p) })
}

// compactCrashStore makes a fresh store of plain backups in two hosts and
// returns its root and their original bytes by "host/timestamp".
func compactCrashStore(t *testing.T, n int) (string, map[string][]byte) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "backups")
	var bs []GenBackup
	// Anchored a minute before today's midnight (local): which backups
	// deltaCleanPolicy keeps, and so whether it removes a kept delta's
	// base, must not depend on the hour the test runs at.
	y, m, d := time.Now().Date()
	now := time.Date(y, m, d, 0, 0, 0, 0, time.Local).Add(-time.Minute)
	for i := range n {
		host := []string{"cursor", "vscode"}[i%2]
		data := bytes.Repeat(fmt.Appendf(nil, `{"server%d": "npx"},`, i), 1+i*37%400)
		bs = append(bs, GenBackup{Host: host, Created: now.Add(-time.Duration(i+1) * time.Hour), Data: data})
	}
	recs, err := Populate(root, time.Local, bs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for i, r := range recs {
		want[r.Host+"/"+r.Timestamp] = bs[i].Data
	}
	return root, want
}

// crashMode is what the child runs: "" compact, "delta" compact --delta,
// "clean" a clean that removes bases of kept deltas. Tests that set it
// do not run in parallel.
var crashMode string

// runCompactChild runs the child on root; with killAfter > 0 the parent
// kills it then. It reports whether the child died of SIGKILL.
func runCompactChild(t *testing.T, root, spec string, killAfter time.Duration) (killed bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCompactCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "HATCH_COMPACT_CRASH_ROOT="+root, "HATCH_COMPACT_CRASH_KILL="+spec, "HATCH_COMPACT_CRASH_MODE="+crashMode)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if killAfter > 0 {
		timer := time.AfterFunc(killAfter, func() { cmd.Process.Kill() })
		defer timer.Stop()
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out.Bytes())
	}
	return false
}

// compactKillSteps are the steps of compacting one backup and of swapping
// the index where the child is killed.
var compactKillSteps = []struct{ name, spec string }{
	{"temp .zst durable, not published", "rename-noreplace:1:before"},
	{".zst durable, index not switched", "syncdir:1:after"},
	{"index switched, plain file not removed", "remove:1:before"},
	{"plain file removed, folder not synced", "remove:1:after"},
	{"first backup done", "syncdir:2:after"},
	{"in the middle", "syncdir:15:after"},
	// 20 backups, the newest of each host stays plain: 18 are compressed.
	{"last backup's .zst durable", "rename-noreplace:18:after"},
	{"index copy durable, not swapped", "rename:1:before"},
	{"index swapped, root not synced", "rename:1:after"},
	{"index swapped and synced", "syncdir:37:after"},
}

// TestCompactCrashSteps kills the child at each step of compacting one
// backup and of swapping the index.
func TestCompactCrashSteps(t *testing.T) {
	for _, st := range compactKillSteps {
		t.Run(st.name, func(t *testing.T) {
			root, want := compactCrashStore(t, 20)
			if !runCompactChild(t, root, st.spec, 0) {
				t.Fatalf("kill point %s never reached: the child finished", st.spec)
			}
			checkCompactCrash(t, root, want)
		})
	}
}

// TestCompactCrashThenReindex takes the documented repair after each kill
// instead of a second compact: verify names what is left, reindex, and
// every backup lists once, with its bytes and its original path, and
// verify is clean.
func TestCompactCrashThenReindex(t *testing.T) {
	for _, st := range compactKillSteps {
		t.Run(st.name, func(t *testing.T) {
			root, want := compactCrashStore(t, 20)
			if !runCompactChild(t, root, st.spec, 0) {
				t.Fatalf("kill point %s never reached: the child finished", st.spec)
			}
			ctx := context.Background()
			opts := Options{Root: root, LockTimeout: 10 * time.Second}
			inspect := opts
			inspect.Inspect = true
			if s, err := Open(ctx, inspect); err != nil {
				t.Fatal(err)
			} else {
				v, err := s.Verify(ctx, VerifyOptions{})
				s.Close()
				for _, p := range v.Problems {
					if p.Kind != ProblemTemp && p.Kind != ProblemInterruptedCompact {
						t.Errorf("verify after the kill: %s", p)
					}
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			res, err := Reindex(ctx, opts, ReindexOptions{})
			if err != nil || len(res.Problems) > 0 {
				t.Fatalf("reindex: %v %v", err, res.Problems)
			}
			if len(res.Adopted) > 0 {
				t.Errorf("reindex adopted %d files as backups of their own", len(res.Adopted))
			}
			opts.UpgradingReader = true
			s, err := Open(ctx, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			n := 0
			for b, err := range s.List(ctx, Query{}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
				data, err := s.Read(b)
				if err != nil || !bytes.Equal(data, want[b.Host+"/"+b.Timestamp]) {
					t.Errorf("%s/%s reads back other bytes (%v)", b.Host, b.Timestamp, err)
				}
				if b.OriginalPath != "/home/user/"+b.Host+".json" {
					t.Errorf("%s/%s lost its original path: %q", b.Host, b.Timestamp, b.OriginalPath)
				}
			}
			if n != len(want) {
				t.Errorf("%d backups listed, want %d", n, len(want))
			}
			if v, err := s.Verify(ctx, VerifyOptions{}); err != nil || len(v.Problems) > 0 {
				t.Errorf("verify after reindex: %v %v", err, v.Problems)
			}
		})
	}
}

// TestCompactCrashRandom kills the child at random moments.
func TestCompactCrashRandom(t *testing.T) {
	kills := compactCrashKills
	if n, err := strconv.Atoi(os.Getenv("HATCH_CRASH_KILLS")); err == nil && n > 0 {
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if n, err := strconv.ParseUint(os.Getenv("HATCH_CRASH_SEED"), 10, 64); err == nil {
		seed = n
	}
	t.Logf("seed %d (HATCH_CRASH_SEED=%d repeats this run), %d kills", seed, seed, kills)
	rng := rand.New(rand.NewPCG(seed, seed))
	// How long a whole run takes here: the kills land anywhere in it.
	root, _ := compactCrashStore(t, 30)
	start := time.Now()
	runCompactChild(t, root, "", 0)
	span := time.Since(start)
	killed := 0
	for i := range kills {
		root, want := compactCrashStore(t, 30)
		at := time.Duration(rng.Int64N(int64(span))) + time.Millisecond
		if runCompactChild(t, root, "", at) {
			killed++
		}
		if !checkCompactCrash(t, root, want) {
			t.Fatalf("kill %d at %v (seed %d)", i, at, seed)
		}
	}
	t.Logf("%d of %d children killed before they finished", killed, kills)
}

// checkCompactCrash proves the promises after a kill (compactProblems),
// then runs a second compact, which must finish the job: every backup .zst
// but the newest of each host, which stays plain,
// read back byte-exactly, no duplicate left.
func checkCompactCrash(t *testing.T, root string, want map[string][]byte) bool {
	t.Helper()
	problems := compactProblems(root, want, false)
	if len(problems) == 0 {
		s, err := Open(context.Background(), Options{Root: root, LockTimeout: 10 * time.Second})
		if err == nil {
			err = errors.Join(crashChildOp(s, crashMode), s.Close())
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("compact after the crash: %v", err))
		} else {
			problems = compactProblems(root, want, true)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	return len(problems) == 0
}

// compactProblems lists what is wrong with root: the index fails Check, a
// backup of want does not list or read back byte-exactly, or a file is
// neither indexed, a temp file, nor (unless done) the other form of an
// indexed backup; with done, a backup that is not .zst (the newest of each
// host: one that is not plain).
func compactProblems(root string, want map[string][]byte, done bool) (problems []string) {
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	s, err := Open(context.Background(), Options{Root: root, UpgradingReader: true, LockTimeout: 10 * time.Second})
	if err != nil {
		return []string{fmt.Sprintf("open: %v", err)}
	}
	defer s.Close()
	if err := s.db.Check(); err != nil {
		fail("index check: %v", err)
	}
	indexed := map[string]bool{}
	newest := map[string]bool{} // hosts whose newest backup was listed (lists go newest first)
	listed := map[string]bool{}
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			fail("list: %v", err)
			break
		}
		indexed[b.Path] = true
		data, err := s.Read(b)
		key := b.Host + "/" + b.Timestamp
		listed[key] = true
		switch {
		case err != nil:
			fail("%s: %v", key, err)
		case !bytes.Equal(data, want[key]):
			fail("%s reads back other bytes", key)
		case crashMode == "clean":
		case done && newest[b.Host] && b.Compression != index.Zstd.String() && (crashMode != "delta" || b.Compression != index.Delta.String()):
			fail("%s still %s after a complete compact", key, b.Compression)
		case done && !newest[b.Host] && b.Compression != index.None.String():
			fail("%s, the newest of its host, is %s after compact: it must stay plain", key, b.Compression)
		}
		newest[b.Host] = true
	}
	if crashMode == "clean" {
		for key := range crashMustKeep {
			if !listed[key] {
				fail("%s, which clean keeps, is gone", key)
			}
		}
	} else if len(indexed) != len(want) {
		fail("%d backups indexed, want %d", len(indexed), len(want))
	}
	for _, host := range []string{"cursor", "vscode"} {
		entries, _ := os.ReadDir(filepath.Join(root, host))
		for _, e := range entries {
			p := filepath.Join(root, host, e.Name())
			stem := strings.TrimSuffix(strings.TrimSuffix(p, ".zst"), ".delta")
			twin := indexed[stem] || indexed[stem+".zst"] || indexed[stem+".delta"]
			n, _ := blob.ParseName(e.Name())
			switch {
			case indexed[p], tempname.Is(e.Name()):
			case !done && twin:
			case crashMode == "clean" && !crashMustKeep[host+"/"+n.Timestamp]:
				// A removed backup whose entry went first: an unindexed
				// file, which verify reports and reindex adopts or names.
			default:
				fail("unexpected file %s", p)
			}
		}
	}
	return problems
}

// TestCompactProblemsCatchDamage shows that the crash check fails on each
// kind of damage a broken compact could leave.
func TestCompactProblemsCatchDamage(t *testing.T) {
	first := func(root string) string {
		m, _ := filepath.Glob(filepath.Join(root, "cursor", "mcp.json.*"))
		return m[0]
	}
	damage := map[string]func(t *testing.T, root string){
		"backup file gone": func(t *testing.T, root string) { os.Remove(first(root)) },
		"a byte flipped": func(t *testing.T, root string) {
			p := first(root)
			b, _ := os.ReadFile(p)
			b[0] ^= 1
			os.WriteFile(p, b, 0o600)
		},
		"stray file":        func(t *testing.T, root string) { os.WriteFile(filepath.Join(root, "cursor", "stray"), nil, 0o600) },
		"index emptied":     func(t *testing.T, root string) { os.Truncate(filepath.Join(root, IndexFile), 0) },
		"orphan plain file": func(t *testing.T, root string) { os.Rename(first(root), first(root)+".orphan") },
	}
	for name, do := range damage {
		t.Run(name, func(t *testing.T) {
			root, want := compactCrashStore(t, 4)
			do(t, root)
			if p := compactProblems(root, want, false); len(p) == 0 {
				t.Errorf("%s went unnoticed", name)
			}
		})
	}
	t.Run("plain backups after a complete compact", func(t *testing.T) {
		root, want := compactCrashStore(t, 4)
		if p := compactProblems(root, want, true); len(p) == 0 {
			t.Error("uncompressed backups went unnoticed")
		}
	})
}

// crashChildOp runs the operation of the crash suite's mode on s.
func crashChildOp(s *Store, mode string) error {
	ctx := context.Background()
	var err error
	switch mode {
	case "delta":
		_, err = s.Compact(ctx, CompactOptions{Delta: true})
	case "clean":
		_, err = s.Clean(ctx, CleanOptions{Policy: deltaCleanPolicy()})
	default:
		_, err = s.Compact(ctx, CompactOptions{})
	}
	return err
}

// deltaCleanPolicy removes all but the newest backup of each of the last
// three days: among hourly deltas, bases of kept ones go.
func deltaCleanPolicy() retention.Policy {
	zero := 0
	return retention.Policy{KeepCount: &zero, KeepDaily: 3}
}

// crashMustKeep: in clean mode, the backups the clean keeps, which must
// list and read back after any kill.
var crashMustKeep map[string]bool

// deltaCrashStore is compactCrashStore with Claude Code-like contents, on
// which deltas pay; with compacted, already compact --delta'd (and
// crashMustKeep set to what deltaCleanPolicy keeps).
func deltaCrashStore(t *testing.T, n int, compacted bool) (string, map[string][]byte) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "backups")
	var bs []GenBackup
	// Anchored a minute before today's midnight (local): which backups
	// deltaCleanPolicy keeps, and so whether it removes a kept delta's
	// base, must not depend on the hour the test runs at.
	y, m, d := time.Now().Date()
	now := time.Date(y, m, d, 0, 0, 0, 0, time.Local).Add(-time.Minute)
	for i := range n {
		host := []string{"cursor", "vscode"}[i%2]
		bs = append(bs, GenBackup{Host: host, Created: now.Add(-time.Duration(i+1) * time.Hour), Data: claudeLike(n - i)})
	}
	recs, err := Populate(root, time.Local, bs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for i, r := range recs {
		want[r.Host+"/"+r.Timestamp] = bs[i].Data
	}
	if compacted {
		s, err := Open(context.Background(), Options{Root: root, LockTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Compact(context.Background(), CompactOptions{Delta: true}); err != nil {
			t.Fatal(err)
		}
		res, err := s.Clean(context.Background(), CleanOptions{Policy: deltaCleanPolicy(), DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		crashMustKeep = map[string]bool{}
		for _, v := range res.Kept {
			crashMustKeep[v.Host+"/"+v.Timestamp] = true
		}
	}
	return root, want
}

// withCrashMode runs fn with the crash suite in mode.
func withCrashMode(t *testing.T, mode string, fn func()) {
	crashMode = mode
	defer func() { crashMode, crashMustKeep = "", nil }()
	fn()
}

// deltaKillSteps are the steps of compact --delta (re-encoding a host's
// backups in one batch, then swapping the index) where the child is killed.
var deltaKillSteps = []struct{ name, spec string }{
	{"temp .delta durable, not published", "rename-noreplace:1:before"},
	{".delta published, folder not synced", "rename-noreplace:1:after"},
	{"a host's new files durable, index not switched", "syncdir:1:after"},
	{"index switched, plain file not removed", "remove:1:before"},
	{"plain file removed, folder not synced", "remove:1:after"},
	{"first host's batch done", "syncdir:2:after"},
	{"first host's switch done, second host's files durable", "syncdir:3:after"},
	{"last backup's .delta published", "rename-noreplace:18:after"},
	{"index copy durable, not swapped", "rename:1:before"},
	{"index swapped, root not synced", "rename:1:after"},
}

// cleanKillSteps are the steps of a clean that removes bases: storing a
// kept delta whole, then removing entries and files.
var cleanKillSteps = []struct{ name, spec string }{
	{"temp .zst of a kept delta durable, not published", "rename-noreplace:1:before"},
	{".zst durable, index not switched", "syncdir:1:after"},
	{"index switched, .delta not removed", "remove:1:before"},
	{".delta removed, folder not synced", "remove:1:after"},
	{"every kept delta whole, nothing removed", "remove:CLEAN:before"},
	{"some files removed", "remove:CLEANMID:after"},
	{"files removed, folders not synced", "syncdir:CLEANLAST:before"},
}

// TestDeltaCrashSteps kills compact --delta and a clean removing bases at
// each of their steps: every backup (every kept one, for clean) reads back
// its exact bytes, and a second run finishes the job.
func TestDeltaCrashSteps(t *testing.T) {
	for _, st := range deltaKillSteps {
		t.Run("compact/"+st.name, func(t *testing.T) {
			withCrashMode(t, "delta", func() {
				root, want := deltaCrashStore(t, 20, false)
				if !runCompactChild(t, root, st.spec, 0) {
					t.Fatalf("kill point %s never reached: the child finished", st.spec)
				}
				checkCompactCrash(t, root, want)
			})
		})
	}
	for _, st := range cleanKillSteps {
		t.Run("clean/"+st.name, func(t *testing.T) {
			withCrashMode(t, "clean", func() {
				root, want := deltaCrashStore(t, 60, true)
				spec := cleanSpec(t, root, st.spec)
				if !runCompactChild(t, root, spec, 0) {
					t.Fatalf("kill point %s never reached: the child finished", spec)
				}
				checkCompactCrash(t, root, want)
			})
		})
	}
}

// cleanSpec fills in the counts of a clean kill spec: CLEAN is the first
// remove after the rescues (each rescue removes one .delta), CLEANMID one
// in the middle of the file removals, CLEANLAST the first folder sync
// after them.
func cleanSpec(t *testing.T, root, spec string) string {
	t.Helper()
	s, err := Open(context.Background(), Options{Root: root, UpgradingReader: true, LockTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, err := s.Clean(context.Background(), CleanOptions{Policy: deltaCleanPolicy(), DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	going := map[string]bool{}
	for _, v := range res.Removed {
		going[v.Timestamp] = true
	}
	rescues := 0
	for _, v := range res.Kept {
		if v.Compression == "delta" && going[v.Base] {
			rescues++
		}
	}
	if rescues == 0 {
		t.Fatal("the clean removes no base of a kept delta")
	}
	r := strings.NewReplacer("CLEANMID", fmt.Sprint(rescues+len(res.Removed)/2), "CLEANLAST", fmt.Sprint(2*rescues+1),
		"CLEAN", fmt.Sprint(rescues+1))
	return r.Replace(spec)
}

// TestDeltaCrashThenReindex takes the documented repair after each kill
// of compact --delta: reindex, and every backup lists once with its bytes
// and its original path, and verify is clean.
func TestDeltaCrashThenReindex(t *testing.T) {
	for _, st := range deltaKillSteps {
		t.Run(st.name, func(t *testing.T) {
			withCrashMode(t, "delta", func() {
				root, want := deltaCrashStore(t, 20, false)
				if !runCompactChild(t, root, st.spec, 0) {
					t.Fatalf("kill point %s never reached: the child finished", st.spec)
				}
				reindexAndCheck(t, root, want, false)
			})
		})
	}
	// The index lost as well: the files alone.
	for _, st := range deltaKillSteps[:4] {
		t.Run("index lost/"+st.name, func(t *testing.T) {
			withCrashMode(t, "delta", func() {
				root, want := deltaCrashStore(t, 20, false)
				if !runCompactChild(t, root, st.spec, 0) {
					t.Fatalf("kill point %s never reached: the child finished", st.spec)
				}
				os.Remove(filepath.Join(root, IndexFile))
				reindexAndCheck(t, root, want, true)
			})
		})
	}
}

// reindexAndCheck runs reindex on root, then checks that every backup of
// want lists once and reads back its bytes, with its original path unless
// lost, and that verify is clean.
func reindexAndCheck(t *testing.T, root string, want map[string][]byte, lost bool) {
	t.Helper()
	ctx := context.Background()
	opts := Options{Root: root, LockTimeout: 10 * time.Second}
	if !lost {
		inspect := opts
		inspect.Inspect = true
		s, err := Open(ctx, inspect)
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.Verify(ctx, VerifyOptions{})
		s.Close()
		for _, p := range v.Problems {
			if p.Kind != ProblemTemp && p.Kind != ProblemInterruptedCompact {
				t.Errorf("verify after the kill: %s", p)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := Reindex(ctx, opts, ReindexOptions{})
	if err != nil || len(res.Problems) > 0 {
		t.Fatalf("reindex: %v %v", err, res.Problems)
	}
	if !lost && len(res.Adopted) > 0 {
		t.Errorf("reindex adopted %d files as backups of their own", len(res.Adopted))
	}
	opts.UpgradingReader = true
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	for b, err := range s.List(ctx, Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		data, err := s.Read(b)
		if err != nil || !bytes.Equal(data, want[b.Host+"/"+b.Timestamp]) {
			t.Errorf("%s/%s reads back other bytes (%v)", b.Host, b.Timestamp, err)
		}
		if !lost && b.OriginalPath != "/home/user/"+b.Host+".json" {
			t.Errorf("%s/%s lost its original path: %q", b.Host, b.Timestamp, b.OriginalPath)
		}
	}
	if n != len(want) {
		t.Errorf("%d backups listed, want %d", n, len(want))
	}
	if v, err := s.Verify(ctx, VerifyOptions{}); err != nil || len(v.Problems) > 0 {
		t.Errorf("verify after reindex: %v %v", err, v.Problems)
	}
}

// TestDeltaCrashRandom kills compact --delta and a clean removing bases
// at random moments.
func TestDeltaCrashRandom(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if n, err := strconv.ParseUint(os.Getenv("HATCH_CRASH_SEED"), 10, 64); err == nil {
		seed = n
	}
	t.Logf("seed %d (HATCH_CRASH_SEED=%d repeats this run)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	for _, mode := range []string{"delta", "clean"} {
		withCrashMode(t, mode, func() {
			n, compacted := 20, mode == "clean"
			if compacted {
				n = 60
			}
			root, _ := deltaCrashStore(t, n, compacted)
			start := time.Now()
			runCompactChild(t, root, "", 0)
			span := time.Since(start)
			for i := range 8 {
				root, want := deltaCrashStore(t, n, compacted)
				at := time.Duration(rng.Int64N(int64(span))) + time.Millisecond
				runCompactChild(t, root, "", at)
				if !checkCompactCrash(t, root, want) {
					t.Fatalf("%s: kill %d at %v (seed %d)", mode, i, at, seed)
				}
			}
		})
	}
}
