package store

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// watchSeries drives a Watcher over the cursor config of f, one changed
// version per Check, on a clock a minute ahead each time, and remembers
// each backup's bytes by timestamp.
type watchSeries struct {
	f    *guardFixture
	w    *Watcher
	now  *time.Time
	want map[string][]byte
	i    int
}

func newWatchSeries(f *guardFixture, now *time.Time) *watchSeries {
	return &watchSeries{f: f, w: NewWatcher(f.opts, 0), now: now, want: map[string][]byte{}}
}

// backup writes the next version and checks that the watch backed it up.
func (ws *watchSeries) backup() {
	ws.f.t.Helper()
	ws.i++
	data := claudeLike(ws.i)
	ws.f.write(ws.f.cursor, string(data))
	ev, err := ws.w.Check(context.Background(), "cursor", ws.f.cursor)
	if err != nil || ev.Kind != "backup" {
		ws.f.t.Fatalf("Check %d = %+v, %v", ws.i, ev.Kind, err)
	}
	ws.want[ev.Backup.Timestamp] = data
	*ws.now = ws.now.Add(time.Minute)
}

// compact runs the background compaction of cursor and waits for it.
func (ws *watchSeries) compact() CompactResult {
	ws.f.t.Helper()
	var got []WatchEvent
	ws.w.startCompact(context.Background(), "cursor", func(ev WatchEvent, err error) {
		if err != nil {
			ws.f.t.Errorf("background compact: %v", err)
		}
		got = append(got, ev)
	})
	ws.w.Wait()
	if len(got) != 1 || got[0].Kind != "compact" {
		ws.f.t.Fatalf("reports %+v", got)
	}
	return got[0].Compact
}

// readBack checks every backup's bytes and that the newest is plain.
func (ws *watchSeries) readBack() (deltas int) {
	ws.f.t.Helper()
	s := ws.f.open()
	defer s.Close()
	n := 0
	var newest Backup
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			ws.f.t.Fatal(err)
		}
		if n == 0 {
			newest = b
		}
		n++
		got, err := s.Read(b)
		if err != nil || !bytes.Equal(got, ws.want[b.Timestamp]) {
			ws.f.t.Fatalf("backup %s (%s) reads back other bytes: %v", b.Timestamp, b.Compression, err)
		}
		if b.Compression == "delta" {
			deltas++
		}
	}
	if n != len(ws.want) || newest.Compression != "none" {
		ws.f.t.Fatalf("%d backups of %d, newest %s", n, len(ws.want), newest.Compression)
	}
	return deltas
}

// TestWatcherCompactsAtSixteenPlainBackups: 15 plain backups of a config
// start no compaction, the 16th does; a second one needs 16 new ones.
func TestWatcherCompactsAtSixteenPlainBackups(t *testing.T) {
	f := newGuardFixture(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.opts.Now = func() time.Time { return now }
	ws := newWatchSeries(f, &now)
	for range CompactAt - 1 {
		ws.backup()
		if ws.w.compactDue("cursor") {
			t.Fatalf("compaction due after %d plain backups", ws.i)
		}
	}
	ws.backup()
	if !ws.w.compactDue("cursor") {
		t.Fatal("no compaction due after 16 plain backups")
	}
	if ws.w.compactDue("cursor") {
		t.Fatal("a second compaction due while the first runs")
	}
	res := ws.compact()
	if len(res.Deltas) != CompactAt-1 || res.BytesAfter >= res.BytesBefore {
		t.Fatalf("compacted %d deltas, %d -> %d bytes", len(res.Deltas), res.BytesBefore, res.BytesAfter)
	}
	if d := ws.readBack(); d != CompactAt-1 {
		t.Fatalf("%d deltas", d)
	}
	for range CompactAt - 1 {
		ws.backup()
		if ws.w.compactDue("cursor") {
			t.Fatalf("second compaction due after %d new plain backups", ws.i-CompactAt)
		}
	}
	ws.backup()
	if !ws.w.compactDue("cursor") {
		t.Fatal("no second compaction after 16 new plain backups")
	}
	if res := ws.compact(); len(res.Deltas) != CompactAt {
		t.Fatalf("second compaction: %d deltas", len(res.Deltas))
	}
	if d := ws.readBack(); d != 2*CompactAt-1 {
		t.Fatalf("%d deltas", d)
	}
}

// TestWatcherCountsThePlainBackupsInTheIndex: a watch started over a store
// that holds plain backups of a config counts them (up to the last
// compaction), not only its own.
func TestWatcherCountsThePlainBackupsInTheIndex(t *testing.T) {
	f := newGuardFixture(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.opts.Now = func() time.Time { return now }
	ws := newWatchSeries(f, &now)
	for range CompactAt - 2 {
		ws.backup()
	}
	ws.w = NewWatcher(f.opts, 0) // a watch started again
	ws.backup()
	if ws.w.compactDue("cursor") {
		t.Fatal("compaction due at 15 plain backups")
	}
	ws.w = NewWatcher(f.opts, 0)
	ws.backup()
	if !ws.w.compactDue("cursor") {
		t.Fatal("no compaction due at 16 plain backups, 15 of them from before the watch")
	}
	ws.compact()
	ws.w = NewWatcher(f.opts, 0)
	ws.backup() // 2 plain since the compaction: the newest then and this one
	if ws.w.compactDue("cursor") {
		t.Fatal("compaction due right after one")
	}
	ws.readBack()
}
