//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// rebuildBackups is the size of the store whose lost index `list` builds.
const rebuildBackups = 3000

// TestListKilledWhileBuildingIndex: the index of a store of thousands of
// backups is lost, and the `list` that builds it again is SIGKILLed at
// several moments. Whatever the moment, the next `list` shows every
// backup: never "no backups found", never a partial list.
func TestListKilledWhileBuildingIndex(t *testing.T) {
	e := newEnv(t)
	if err := store.Generate(store.GenSpec{Root: e.root, N: rebuildBackups, Size: 64, Files: true}); err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(e.root, "index.db")
	for _, delay := range []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond,
		20 * time.Millisecond, 40 * time.Millisecond, 80 * time.Millisecond, 160 * time.Millisecond} {
		if err := os.Remove(index); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		cmd := exec.Command(binPath, "list")
		var out bytes.Buffer
		cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = e.vars, &out, &out, e.home
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		r := e.must(0, "list")
		if strings.Contains(r.stdout, "no backups found") {
			t.Fatalf("killed after %v: the next list found no backups", delay)
		}
		if got := e.listJSON(); len(got) != rebuildBackups {
			t.Fatalf("killed after %v: the next list shows %d of %d backups", delay, len(got), rebuildBackups)
		}
	}
	e.must(0, "verify")
}

// TestReindexAfterTimeZoneChange: a backup taken under TZ=UTC, then one
// under TZ=America/New_York (whose name's wall clock is hours earlier);
// the index is lost and rebuilt under New York. The newer backup must stay
// the latest, each with its exact instant.
func TestReindexAfterTimeZoneChange(t *testing.T) {
	if _, err := time.LoadLocation("America/New_York"); err != nil {
		t.Skipf("no zone data: %v", err)
	}
	e := newEnv(t)
	cfg := filepath.Join(e.home, ".cursor", "mcp.json")
	vars := e.vars
	zone := func(tz string) {
		e.vars = append(append([]string(nil), vars...), "TZ="+tz)
	}
	zone("UTC")
	e.writeConfig(cfg, "first", 0o600)
	e.must(0, "create", "--host", "cursor")
	before := e.listJSON()
	zone("America/New_York")
	e.writeConfig(cfg, "second", 0o600)
	e.must(0, "create", "--host", "cursor")
	before = append(e.listJSON()[:1], before...)
	if before[0].Timestamp > before[1].Timestamp {
		t.Fatalf("the setup wants the newer backup named earlier: %s, %s", before[0].Timestamp, before[1].Timestamp)
	}
	if err := os.Remove(filepath.Join(e.root, "index.db")); err != nil {
		t.Fatal(err)
	}
	e.must(0, "reindex")
	after := e.listJSON()
	if len(after) != 2 {
		t.Fatalf("%d backups after reindex", len(after))
	}
	for i := range after {
		if after[i].Timestamp != before[i].Timestamp || after[i].Created != before[i].Created {
			t.Errorf("backup %d after reindex: %s at %s, want %s at %s", i,
				after[i].Timestamp, after[i].Created, before[i].Timestamp, before[i].Created)
		}
	}
}
