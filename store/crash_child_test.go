//go:build unix

package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
	"github.com/hatch-backup/hatch-backup/retention"
)

// The child side of the crash suite (crash_test.go): the process that
// runs store operations until it is killed.

// crashChild is the state of the child process.
type crashChild struct {
	opts   Options
	config string
	rng    *rand.Rand
	acks   *os.File // fd 3: one line per acknowledged backup
	kill   *killFS  // nil: no deterministic kill point
}

// TestCrashChild is the child's entry point; it does nothing in a normal
// test run.
func TestCrashChild(t *testing.T) {
	if os.Getenv("HATCH_CRASH_CHILD") == "" {
		t.Skip("the crash suite's child process; runs only when re-executed")
	}
	seed, _ := strconv.ParseUint(os.Getenv("HATCH_CRASH_SEED"), 10, 64)
	c := &crashChild{
		opts:   Options{Root: os.Getenv("HATCH_CRASH_ROOT"), LockTimeout: 10 * time.Second},
		config: os.Getenv("HATCH_CRASH_CONFIG"),
		rng:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		acks:   os.NewFile(3, "acks"),
	}
	env := fakeEnv("linux", map[string]string{"HOME": filepath.Dir(c.config)})
	c.opts.Env = &env
	if spec := os.Getenv("HATCH_CRASH_KILL"); spec != "" {
		c.kill = parseKill(spec)
		c.opts.FS = c.kill
	}
	if n, err := strconv.Atoi(os.Getenv("HATCH_CRASH_ADOPT_BATCH")); err == nil && n > 0 {
		adoptBatch = n
	}
	fmt.Fprintln(c.acks, "ready")
	if script := os.Getenv("HATCH_CRASH_SCRIPT"); script != "" {
		steps := crashScript
		if script != "1" {
			steps = strings.Split(script, ",")
		}
		for _, name := range steps {
			if err := c.step(name); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		return
	}
	for {
		if err := c.pick().run(c); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *crashChild) pick() crashOp {
	total := 0
	for _, op := range crashOps {
		total += op.weight
	}
	n := c.rng.IntN(total)
	for _, op := range crashOps {
		if n -= op.weight; n < 0 {
			return op
		}
	}
	return crashOps[0]
}

func (c *crashChild) step(name string) error {
	if name == "create-zstd" {
		return c.createCompressed(true)
	}
	for _, op := range crashOps {
		if op.name == name {
			return op.run(c)
		}
	}
	return fmt.Errorf("no crash op %q", name)
}

func (c *crashChild) open() (*Store, error) { return Open(context.Background(), c.opts) }

// ack reports a backup the store acknowledged; the parent holds us to it.
func (c *crashChild) ack(b Backup) {
	c.kill.point("acked")
	fmt.Fprintf(c.acks, "ack %s %s %s\n", b.Host, b.Timestamp, hex.EncodeToString(b.SHA256[:]))
}

func (c *crashChild) create() error { return c.createCompressed(c.rng.IntN(3) == 0) }

func (c *crashChild) createCompressed(compress bool) error {
	s, err := c.open()
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := s.Create(context.Background(), CreateOptions{Host: crashHost, ConfigPath: c.config, Compress: compress})
	if err != nil {
		return err
	}
	c.ack(res.Backup)
	return nil
}

func (c *crashChild) writeConfig() error {
	contents := crashContents()
	s, err := c.open()
	if err != nil {
		return err
	}
	defer s.Close()
	// Always a change, so that every step of the writer runs.
	current, _ := os.ReadFile(c.config)
	next := contents[c.rng.IntN(len(contents))]
	for bytes.Equal(next, current) {
		next = contents[c.rng.IntN(len(contents))]
	}
	res, err := s.WriteConfig(context.Background(), crashHost, c.config, next, false)
	if res != nil {
		c.ack(res.Backup)
	}
	return err
}

// restore puts a random backup back (the oldest in the script).
func (c *crashChild) restore() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	defer s.Close()
	all, err := s.indexed(context.Background(), crashHost)
	if err != nil || len(all) == 0 {
		return err
	}
	pick := all[len(all)-1]
	if c.kill == nil {
		pick = all[c.rng.IntN(len(all))]
	}
	res, err := s.Restore(context.Background(), RestoreOptions{Host: crashHost, Timestamp: pick.Timestamp, To: c.config})
	if res.SafetyBackup != nil {
		c.ack(*res.SafetyBackup)
	}
	return err
}

// crashKeep is the keep-count of the child's clean: small, so that clean
// removes backups often.
const crashKeep = 2

// clean removes all but the crashKeep newest backups. The backups it is
// about to remove are announced first (a dry run of the same policy in
// the same locked session decides the same), so that the parent stops
// holding the store to them, whatever moment the kill comes.
func (c *crashChild) clean() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	defer s.Close()
	keep := crashKeep
	o := CleanOptions{Hosts: []string{crashHost}, Policy: retention.Policy{KeepCount: &keep}, DryRun: true}
	plan, err := s.Clean(context.Background(), o)
	if err != nil {
		return err
	}
	for _, v := range plan.Removed {
		fmt.Fprintf(c.acks, "forget %s %s\n", v.Backup.Host, v.Backup.Timestamp)
	}
	o.DryRun = false
	_, err = s.Clean(context.Background(), o)
	return err
}

// firstBuild loses the index, as a user deleting it would, and opens the
// store: the open builds the index from the files.
func (c *crashChild) firstBuild() error {
	if err := os.Remove(filepath.Join(c.opts.Root, IndexFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	return s.Close()
}

// reindexDamaged damages the index, as a disk might, and repairs it with
// reindex. The parent is told, so that it expects the damage until the
// repair is reported.
func (c *crashChild) reindexDamaged() error {
	p := filepath.Join(c.opts.Root, IndexFile)
	if _, err := os.Stat(p); err != nil {
		return nil // no store yet
	}
	fmt.Fprintln(c.acks, "event damaged")
	if err := os.WriteFile(p, bytes.Repeat([]byte("garbage!"), 1024), 0o600); err != nil {
		return err
	}
	if err := c.reindex(); err != nil {
		return err
	}
	fmt.Fprintln(c.acks, "event repaired")
	return nil
}

func (c *crashChild) reindex() error {
	_, err := Reindex(context.Background(), c.opts, ReindexOptions{})
	if errors.Is(err, ErrConfigMissing) {
		return nil // no root yet: nothing to rebuild
	}
	return err
}

// killFS SIGKILLs its own process at the n-th call of one operation,
// before or after the call: a deterministic crash at a named step.
type killFS struct {
	hatomic.FS
	op    string
	n     int
	after bool
	count atomic.Int64 // calls of op so far; adoption reads files in parallel
}

// parseKill reads "op:n:before" or "op:n:after".
func parseKill(spec string) *killFS {
	parts := strings.Split(spec, ":")
	n, _ := strconv.Atoi(parts[1])
	return &killFS{FS: hatomic.OS(), op: parts[0], n: n, after: parts[2] == "after"}
}

// point is a kill point that is not a file-system call.
func (k *killFS) point(op string) {
	if k != nil {
		k.do(op, func() error { return nil })
	}
}

func (k *killFS) do(op string, call func() error) error {
	hit := false
	if op == k.op {
		hit = k.count.Add(1) == int64(k.n)
	}
	if hit && !k.after {
		die()
	}
	err := call()
	if hit {
		die()
	}
	return err
}

func die() {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func (k *killFS) OpenFile(name string, flag int, perm fs.FileMode) (hatomic.File, error) {
	if flag&(os.O_WRONLY|os.O_RDWR) == 0 { // a read, whatever its open options
		var f hatomic.File
		err := k.do("read-open", func() (err error) { f, err = k.FS.OpenFile(name, flag, perm); return err })
		return f, err
	}
	if flag&os.O_EXCL == 0 {
		return k.FS.OpenFile(name, flag, perm)
	}
	var f hatomic.File
	err := k.do("open-temp", func() (err error) { f, err = k.FS.OpenFile(name, flag, perm); return err })
	if err != nil {
		return nil, err
	}
	return &killFile{File: f, k: k}, nil
}

func (k *killFS) Rename(a, b string) error {
	return k.do("rename", func() error { return k.FS.Rename(a, b) })
}

func (k *killFS) RenameNoReplace(a, b string) error {
	return k.do("rename-noreplace", func() error { return k.FS.RenameNoReplace(a, b) })
}

func (k *killFS) SyncDir(dir string) error {
	return k.do("syncdir", func() error { return k.FS.SyncDir(dir) })
}

func (k *killFS) Remove(name string) error {
	return k.do("remove", func() error { return k.FS.Remove(name) })
}

// killFile counts the calls on a temp file being written.
type killFile struct {
	hatomic.File
	k *killFS
}

func (f *killFile) Write(p []byte) (n int, err error) {
	err = f.k.do("write", func() (err error) { n, err = f.File.Write(p); return err })
	return n, err
}

func (f *killFile) Sync() error  { return f.k.do("sync", f.File.Sync) }
func (f *killFile) Close() error { return f.k.do("close", f.File.Close) }
