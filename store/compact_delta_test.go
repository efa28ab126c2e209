package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/retention"
)

// claudeLike is version i of a Claude Code-like config: a counter, and one
// project's history and cost changing each time.
func claudeLike(i int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"numStartups": %d, "projects": {`, 100+i)
	for p := range 60 {
		fmt.Fprintf(&b, `"/home/u/project%d": {"history": [`, p)
		n := 5
		if p == 7 {
			n = 5 + i%40
		}
		for h := range n {
			fmt.Fprintf(&b, `{"display": "prompt %d of project %d: refactor the parser"},`, h, p)
		}
		cost := float64(p) * 1.5
		if p == 7 {
			cost += float64(i) * 0.37
		}
		fmt.Fprintf(&b, `{}], "lastCost": %.2f},`, cost)
	}
	b.WriteString(`"end": {}}}`)
	return b.Bytes()
}

// deltaFixture makes n backups of one cursor config, an hour apart, oldest
// first, and returns their records (newest first) and contents by
// timestamp.
func deltaFixture(f *fixture, n int) ([]index.Record, map[string][]byte) {
	f.t.Helper()
	var bs []GenBackup
	for i := range n {
		bs = append(bs, GenBackup{Host: "cursor", Created: cleanNow.Add(-time.Duration(i+1) * time.Hour), Data: claudeLike(n - i)})
	}
	recs, err := Populate(f.root, time.UTC, bs)
	if err != nil {
		f.t.Fatal(err)
	}
	want := map[string][]byte{}
	for i, r := range recs {
		want[r.Timestamp] = bs[i].Data
	}
	return recs, want
}

// chainSteps is how many decode steps b takes, following the index.
func chainSteps(t *testing.T, all map[string]Backup, b Backup) int {
	t.Helper()
	n := 0
	for b.Compression == "delta" {
		n++
		next, ok := all["cursor/"+b.Base]
		if !ok || n > 100 {
			t.Fatalf("%s: broken chain at %s", b.Timestamp, b.Base)
		}
		b = next
	}
	if b.Compression == "zstd" {
		n++
	}
	return n
}

func TestCompactDelta(t *testing.T) {
	f := newFixture(t)
	recs, want := deltaFixture(f, 70)
	res, err := f.compact(CompactOptions{Delta: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deltas) < 60 || res.BytesAfter >= res.BytesBefore/20 {
		t.Errorf("%d deltas, %d compressed, %d -> %d bytes", len(res.Deltas), len(res.Compressed), res.BytesBefore, res.BytesAfter)
	}
	all := f.byStamp()
	check := func(when string) {
		t.Helper()
		for ts, data := range f.readAll() {
			if !bytes.Equal(data, want[ts[len("cursor/"):]]) {
				t.Errorf("%s: %s reads back other bytes", when, ts)
			}
		}
	}
	check("after compact --delta")
	if b := all["cursor/"+recs[0].Timestamp]; b.Compression != "none" {
		t.Errorf("the newest is %s", b.Compression)
	}
	for _, b := range all {
		if s := chainSteps(t, all, b); s > MaxDeltaSteps {
			t.Errorf("%s takes %d decode steps", b.Timestamp, s)
		}
		if b.Compression == "delta" && filepath.Ext(b.Path) != ".delta" {
			t.Errorf("%s: a delta named %s", b.Timestamp, b.Path)
		}
	}
	if v := f.verify(); len(v.Problems) > 0 {
		t.Errorf("verify: %v", v.Problems)
	}

	// A second compact changes nothing; newer backups never rewrite
	// older deltas.
	if res, err := f.compact(CompactOptions{Delta: true}); err != nil || len(res.Deltas)+len(res.Compressed) != 0 {
		t.Errorf("second compact: %d deltas, %d compressed, %v", len(res.Deltas), len(res.Compressed), err)
	}

	// Five newer backups: the next compact re-encodes the old newest and
	// four of them; no older file changes.
	var more []GenBackup
	for i := range 5 {
		more = append(more, GenBackup{Host: "cursor", Created: cleanNow.Add(-time.Duration(i+1) * time.Minute), Data: claudeLike(100 + i)})
	}
	newer, err := Populate(f.root, time.UTC, more)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range newer {
		want[r.Timestamp] = more[slices.IndexFunc(newer, func(x index.Record) bool { return x.Timestamp == r.Timestamp })].Data
	}
	os.Remove(filepath.Join(f.root, IndexFile)) // Populate wrote its own entries; the files are the truth
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = f.compact(CompactOptions{Delta: true})
	if err != nil || len(res.Deltas)+len(res.Compressed) != 5 {
		t.Errorf("compact after 5 new backups re-encoded %d deltas and %d .zst, want 5 in all (%v)", len(res.Deltas), len(res.Compressed), err)
	}
	for _, b := range append(res.Deltas, res.Compressed...) {
		if b.Timestamp != recs[0].Timestamp && !slices.ContainsFunc(newer, func(r index.Record) bool { return r.Timestamp == b.Timestamp }) {
			t.Errorf("compact rewrote %s, an older backup", b.Timestamp)
		}
	}
	check("after more backups")
	all = f.byStamp()

	// The index lost: reindex rebuilds every relation from the files.
	os.Remove(filepath.Join(f.root, IndexFile))
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	for k, b := range f.byStamp() {
		if was := all[k]; b.Compression != was.Compression || b.Base != was.Base {
			t.Errorf("%s after reindex: %s base %q, was %s base %q", k, b.Compression, b.Base, was.Compression, was.Base)
		}
	}
	check("after reindex")
}

// TestDeltaBaseMissing: a delta whose base is gone is reported by verify
// (exit 3's ErrIntegrity) for every backup it makes unreadable, and
// reading one is ErrIntegrity.
func TestDeltaBaseMissing(t *testing.T) {
	f := newFixture(t)
	deltaFixture(f, 20)
	if _, err := f.compact(CompactOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	all := f.byStamp()
	// The base with the most dependents, direct or not.
	var victim Backup
	most := 0
	for _, b := range all {
		n := 0
		for _, d := range all {
			for x := d; x.Compression == "delta"; x = all["cursor/"+x.Base] {
				if x.Base == b.Timestamp {
					n++
					break
				}
			}
		}
		if n > most && b.Compression != "none" {
			victim, most = b, n
		}
	}
	if most < 2 {
		t.Fatalf("no base with 2 dependents")
	}
	os.Remove(victim.Path)
	v := f.verify()
	named := 0
	for _, p := range v.Problems {
		if p.Kind == ProblemDeltaBase {
			named++
		}
	}
	if named != most {
		t.Errorf("verify named %d backups unreadable for want of their base, want %d: %v", named, most, v.Problems)
	}
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	for _, d := range all {
		if d.Base == victim.Timestamp {
			if _, err := s.Read(d); !errors.Is(err, ErrIntegrity) {
				t.Errorf("reading %s: %v, want ErrIntegrity", d.Timestamp, err)
			}
		}
	}
	s.Close()
	// The fixture's invariants want no damage left.
	os.RemoveAll(filepath.Join(f.root, "cursor"))
	os.Remove(filepath.Join(f.root, IndexFile))
}

// TestCleanKeepsDeltasReadable: a clean that removes the bases of kept
// deltas stores those deltas whole first; every kept backup reads back
// its exact bytes and verify is clean.
func TestCleanKeepsDeltasReadable(t *testing.T) {
	for _, batch := range []int{cleanBatch, 7} {
		t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
			defer func(n int) { cleanBatch = n }(cleanBatch)
			cleanBatch = batch
			cleanKeepsDeltasReadable(t)
		})
	}
}

func cleanKeepsDeltasReadable(t *testing.T) {
	f := newFixture(t)
	_, want := deltaFixture(f, 60) // hourly: over three days
	if _, err := f.compact(CompactOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	before := f.byStamp()
	zero := 0
	res, err := f.clean(CleanOptions{Policy: retention.Policy{KeepCount: &zero, KeepDaily: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Kept) == 0 || len(res.Removed) == 0 {
		t.Fatalf("kept %d, removed %d", len(res.Kept), len(res.Removed))
	}
	rescued := 0
	after := f.byStamp()
	for k, b := range after {
		if before[k].Compression == "delta" && b.Compression == "zstd" {
			rescued++
		}
	}
	if rescued == 0 {
		t.Error("no kept delta lost its base: the test proves nothing")
	}
	for k, data := range f.readAll() {
		if !bytes.Equal(data, want[k[len("cursor/"):]]) {
			t.Errorf("%s reads back other bytes", k)
		}
	}
	if v := f.verify(); len(v.Problems) > 0 {
		t.Errorf("verify after clean: %v", v.Problems)
	}
}

// TestDeltaChainsReadInParallel: reads of delta chains reuse their steps'
// buffers; reads at once (as verify makes them) each get their own bytes.
func TestDeltaChainsReadInParallel(t *testing.T) {
	f := newFixture(t)
	_, want := deltaFixture(f, 40)
	if _, err := f.compact(CompactOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	s := f.open()
	defer s.Close()
	var all []Backup
	for b, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range all {
				b := all[(k+g*7)%len(all)]
				data, err := s.Read(b)
				if err != nil || !bytes.Equal(data, want[b.Timestamp]) {
					t.Errorf("%s (%s) reads back other bytes: %v", b.Timestamp, b.Compression, err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestCompactDeltaReplacesStaleLeftover: an unindexed file at a backup's
// .delta name that is not the delta this compact makes (a kill left it,
// made against another base) is replaced, not an error that only a
// reindex clears: the backup's indexed form is intact, so the leftover
// holds nothing the store needs.
func TestCompactDeltaReplacesStaleLeftover(t *testing.T) {
	f := newFixture(t)
	recs, want := deltaFixture(f, 20)
	old := recs[len(recs)-1] // the oldest: always re-encoded
	leftover := filepath.Join(f.root, filepath.FromSlash(old.File)) + ".delta"
	if err := os.WriteFile(leftover, []byte("a delta against another base"), FileMode); err != nil {
		t.Fatal(err)
	}
	if _, err := f.compact(CompactOptions{Delta: true}); err != nil {
		t.Fatalf("compact --delta over a stale leftover: %v", err)
	}
	if b := f.byStamp()["cursor/"+old.Timestamp]; b.Compression != "delta" {
		t.Errorf("the oldest is %s, want a delta", b.Compression)
	}
	for ts, data := range f.readAll() {
		if !bytes.Equal(data, want[ts[len("cursor/"):]]) {
			t.Errorf("%s reads back other bytes", ts)
		}
	}
	if v := f.verify(); len(v.Problems) > 0 {
		t.Errorf("verify: %v", v.Problems)
	}
}
