//go:build unix

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// claudeConfig is version i of a Claude Code-like config (about 30 KB):
// its servers, with a secret, then a history where one project gains a
// prompt and a cost each time.
func claudeConfig(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"mcpServers": {"fs": {"command": "npx", "env": {"API_KEY": "%s"}}}, "numStartups": %d, "projects": {`, secretMarker, 100+i)
	for p := range 40 {
		n := 3
		if p == 7 {
			n += i % 50
		}
		fmt.Fprintf(&b, `"/home/u/project%d": {"history": [`, p)
		for h := range n {
			fmt.Fprintf(&b, `{"display": "prompt %d of project %d: refactor the parser"},`, h, p)
		}
		fmt.Fprintf(&b, `{}], "lastCost": %.2f},`, float64(p)*1.5+float64(i)*0.37*float64(p%2))
	}
	b.WriteString(`"end": {}}}` + "\n")
	return b.Bytes()
}

// checkEveryBackup shows every backup of host and compares its bytes with
// what was written (want, by sha256); the newest must be plain. It returns
// how many are deltas.
func (e *testEnv) checkEveryBackup(host string, want map[string][]byte) (deltas int) {
	e.t.Helper()
	list := e.listJSON("--host", host)
	if len(list) != len(want) {
		e.t.Fatalf("%d backups of %s, want %d", len(list), host, len(want))
	}
	for i, b := range list {
		data, ok := want[b.SHA256]
		if !ok {
			e.t.Fatalf("backup %s holds bytes never written", b.Timestamp)
		}
		got := e.must(0, "show", "--host", host, "--timestamp", b.Timestamp).stdout
		if got != string(data) {
			e.t.Fatalf("show %s (%s) gives other bytes than were written", b.Timestamp, b.Compression)
		}
		if i == 0 && b.Compression != "none" {
			e.t.Errorf("the newest backup is %s, want plain", b.Compression)
		}
		if b.Compression == "delta" {
			deltas++
		}
	}
	return deltas
}

// saveAtomically saves a config as editors do (temp file renamed over
// it): the watch never sees it half written, so each save is one backup.
func saveAtomically(t *testing.T, p string, data []byte) {
	t.Helper()
	writeFile(t, p+".tmp", data)
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatal(err)
	}
}

func sumHex(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// TestWatchCompactsInTheBackground: 17 changes of a config under watch
// give a background compact --delta after the 16th: deltas appear, every
// backup reads back its exact bytes, the newest stays plain.
func TestWatchCompactsInTheBackground(t *testing.T) {
	e := newEnv(t)
	cfg := e.cursorPath()
	want := map[string][]byte{}
	w := e.startWatch("--host", "cursor", "--debounce", "30ms", "--min-interval", "0")
	var compact *watchEventJSON
	for i := range 17 {
		data := claudeConfig(i)
		saveAtomically(t, cfg, data)
		want[sumHex(data)] = data
		for ev := range w.eventsUntil("backup", "cursor", sumHex(data)) {
			if ev.Event == "compact" {
				compact = &ev
			}
		}
	}
	if compact == nil {
		ev := w.next("compact", "cursor")
		compact = &ev
	}
	if compact.Deltas == nil || *compact.Deltas < 1 || compact.BytesBefore == nil || compact.BytesAfter == nil || *compact.BytesAfter >= *compact.BytesBefore {
		t.Fatalf("compact event %+v", compact)
	}
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d\n%s", code, w.stderrText())
	}
	if d := e.checkEveryBackup("cursor", want); d < 1 {
		t.Fatalf("%d deltas", d)
	}
	e.must(0, "verify")
}

// eventsUntil yields the events up to the backup of host whose sha256 is
// sum (that one included).
func (w *watchProc) eventsUntil(kind, host, sum string) func(func(watchEventJSON) bool) {
	return func(yield func(watchEventJSON) bool) {
		deadline := time.After(eventWait)
		for {
			select {
			case ev := <-w.events:
				if !yield(ev) {
					return
				}
				if ev.Event == kind && ev.Hostname == host && ev.Backup != nil && ev.Backup.SHA256 == sum {
					return
				}
			case <-deadline:
				w.t.Fatalf("no %s of %s; stderr:\n%s", kind, host, w.stderrText())
			}
		}
	}
}

// bigHistory fills e's root with n plain backups of cursor's config, an
// hour apart, and returns them by sha256: a background compaction of
// cursor then has work enough to be stopped half way.
func (e *testEnv) bigHistory(n int) map[string][]byte {
	e.t.Helper()
	want := map[string][]byte{}
	var bs []store.GenBackup
	start := time.Now().Add(-time.Duration(n+1) * time.Hour)
	for i := range n {
		data := claudeConfig(1000 + i)
		want[sumHex(data)] = data
		bs = append(bs, store.GenBackup{Host: "cursor", Created: start.Add(time.Duration(i) * time.Hour), Data: data})
	}
	if _, err := store.Populate(e.root, time.Local, bs); err != nil {
		e.t.Fatal(err)
	}
	return want
}

// startCompacting starts a watch over a store with a long history of
// cursor, makes the 16 backups that start its background compaction, and
// returns once the first delta file exists (the compaction is under way).
func (e *testEnv) startCompacting(want map[string][]byte) *watchProc {
	e.t.Helper()
	w := e.startWatch("--host", "cursor", "--debounce", "30ms", "--min-interval", "0")
	for i := range store.CompactAt {
		data := claudeConfig(i)
		saveAtomically(e.t, e.cursorPath(), data)
		want[sumHex(data)] = data
		w.backupOf("cursor", data)
	}
	dir := filepath.Join(e.root, "cursor")
	for end := time.Now().Add(eventWait); ; time.Sleep(time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(dir, "*.delta")); len(m) > 0 {
			return w
		}
		if time.Now().After(end) {
			e.t.Fatalf("no delta appeared; stderr:\n%s", w.stderrText())
		}
	}
}

// TestWatchSIGTERMDuringBackgroundCompact: a SIGTERM while the background
// compaction runs ends the watch with exit 0; the store verifies clean and
// every backup reads back its bytes.
func TestWatchSIGTERMDuringBackgroundCompact(t *testing.T) {
	e := newEnv(t)
	want := e.bigHistory(600)
	w := e.startCompacting(want)
	if code := w.stop(); code != 0 {
		t.Fatalf("exit %d after SIGTERM\n%s", code, w.stderrText())
	}
	e.must(0, "verify")
	d := e.checkEveryBackup("cursor", want)
	t.Logf("%d deltas when the watch stopped", d)
	if strings.Contains(w.stderrText(), "error") {
		t.Errorf("stderr:\n%s", w.stderrText())
	}
}

// TestWatchKilledDuringBackgroundCompact: a SIGKILL while the background
// compaction runs leaves every backup readable with its bytes; verify
// finds at most the interrupted compact's twins, which reindex (or the
// next compact) settles: then verify is clean.
func TestWatchKilledDuringBackgroundCompact(t *testing.T) {
	e := newEnv(t)
	want := e.bigHistory(600)
	w := e.startCompacting(want)
	w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	w.cmd.Wait()
	e.checkEveryBackup("cursor", want)
	r := e.run("verify", "--json")
	var v struct {
		Problems []struct{ Kind string } `json:"problems"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, r)
	}
	for _, p := range v.Problems {
		if p.Kind != "interrupted-compact" {
			t.Fatalf("verify after the kill: %s", r)
		}
	}
	t.Logf("verify after the kill: exit %d, %d interrupted-compact", r.code, len(v.Problems))
	e.must(0, "reindex")
	e.must(0, "verify")
	e.checkEveryBackup("cursor", want)
	if _, err := os.Stat(e.root); err != nil {
		t.Fatal(err)
	}
}
