package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// inspect opens f's store as verify does.
func (f *fixture) inspect() *Store {
	f.t.Helper()
	return f.open(func(o *Options) { o.Inspect = true })
}

// TestVerifyProgress: Progress is called once per backup, done counting up
// to total; reindex passes it on.
func TestVerifyProgress(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{}`))
	for range 3 {
		f.create("cursor", p)
	}
	var calls [][2]int
	progress := func(done, total int) { calls = append(calls, [2]int{done, total}) }
	s := f.inspect()
	res, err := s.Verify(context.Background(), VerifyOptions{Progress: progress})
	s.Close()
	if err != nil || res.Checked != 3 || len(res.Problems) != 0 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	if want := [][2]int{{1, 3}, {2, 3}, {3, 3}}; len(calls) != 3 || calls[0] != want[0] || calls[2] != want[2] {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
	calls = nil
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{Progress: progress}); err != nil || len(calls) != 3 {
		t.Errorf("reindex: %v, %d progress calls", err, len(calls))
	}
}

// TestVerifyProgressOfOneHost: verify of one host counts up to that
// host's backups, not the store's.
func TestVerifyProgressOfOneHost(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{}`))
	for i := range 5 {
		f.create([]string{"cursor", "vscode"}[min(i, 1)], p)
	}
	var calls [][2]int
	s := f.inspect()
	res, err := s.Verify(context.Background(), VerifyOptions{Host: "cursor", Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	s.Close()
	if err != nil || res.Checked != 1 || len(calls) != 1 || calls[0] != [2]int{1, 1} {
		t.Fatalf("verify: %+v, %v, progress calls %v; want one, (1, 1)", res, err, calls)
	}
}

// TestVerifyForeignOwner: a backup owned by another user is reported
// (made for real: needs root to chown).
func TestVerifyForeignOwner(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("chown to another user needs root on Unix")
	}
	f := newFixture(t)
	b := f.create("cursor", f.config("c.json", []byte(`{}`)))
	if err := os.Lchown(b.Path, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	s := f.inspect()
	res, err := s.Verify(context.Background(), VerifyOptions{})
	s.Close()
	if err != nil || len(res.Problems) != 1 || res.Problems[0].Kind != ProblemOwner || res.Problems[0].Path != b.Path {
		t.Fatalf("verify: %+v %v", res.Problems, err)
	}
	os.Lchown(b.Path, 0, 0)
}

// TestVerifyChangesNothing: verify on a root with no index (Python Hatch
// files, a temp file) reports and builds nothing.
func TestVerifyChangesNothing(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "cursor")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "mcp.json.cursor.20250101_000000_000000"), []byte(`{}`), 0o600)
	os.WriteFile(filepath.Join(dir, ".mcp.json.cursor.20250101_000000_000000.0123456789abcdef.tmp"), nil, 0o600)
	s := f.inspect()
	res, err := s.Verify(context.Background(), VerifyOptions{Host: "cursor"})
	s.Close()
	if err != nil || len(res.Problems) != 2 || res.Problems[0].Kind != ProblemTemp || res.Problems[1].Kind != ProblemUnindexed {
		t.Fatalf("verify: %+v %v", res.Problems, err)
	}
	if _, err := os.Stat(filepath.Join(f.root, IndexFile)); !os.IsNotExist(err) {
		t.Fatalf("verify built an index: %v", err)
	}
	if _, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil {
		t.Fatal(err) // leaves a sound store for the invariant check
	}
}

// TestVerifyOfAbsentRoot: a verify that opened before the root existed
// holds no lock, so it never looks at the root a writer makes meanwhile,
// where a half-made index or backup may lie: it says the root was not
// found (a mistyped root must not verify as a sound store), and lists
// nothing.
func TestVerifyOfAbsentRoot(t *testing.T) {
	f := newFixture(t)
	s := f.inspect()
	defer s.Close()
	f.create("cursor", f.config("c.json", []byte(`{"mcpServers": {}}`)))
	stray := filepath.Join(f.root, "."+IndexFile+".0123456789abcdef.tmp")
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stray) // for the invariant check
	res, err := s.Verify(context.Background(), VerifyOptions{})
	if !errors.Is(err, ErrConfigMissing) || !strings.Contains(err.Error(), f.root) || res.Checked != 0 || len(res.Problems) != 0 {
		t.Fatalf("verify: checked %d, problems %+v, %v; want ErrConfigMissing naming the root", res.Checked, res.Problems, err)
	}
	var n int
	for _, err := range s.List(context.Background(), Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Fatalf("listed %d backups of a store that had none", n)
	}
}

// TestReindexSharedTimestamps: Python Hatch files of one host that share a
// timestamp (different prefixes) are all adopted at distinct instants,
// also when the instants they move to are wanted by files of the next
// index batch, and a second reindex adds nothing.
func TestReindexSharedTimestamps(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.root, "cursor")
	os.MkdirAll(dir, 0o700)
	smallBatches(t)
	n := adoptBatch + 3
	for i := range n {
		// One in 16 shares the first instant: each of the others then moves
		// past all of them, and the last move into the next batch's.
		name := fmt.Sprintf("file%d.json.cursor.20250101_000000_000000", i)
		if i%16 != 1 {
			name = fmt.Sprintf("file%d.json.cursor.20250101_000000_%06d", i, i)
		}
		os.WriteFile(filepath.Join(dir, name), []byte(`{}`), 0o644)
	}
	res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
	if err != nil || len(res.Adopted) != n || len(res.Problems) != 0 {
		t.Fatalf("reindex: %d adopted, %v, %v", len(res.Adopted), res.Problems, err)
	}
	seen := map[time.Time]bool{}
	for _, b := range f.all() {
		if seen[b.Created] {
			t.Errorf("two backups at %v", b.Created)
		}
		seen[b.Created] = true
	}
	if len(seen) != n {
		t.Errorf("%d listed, want %d", len(seen), n)
	}
	if res, err := Reindex(context.Background(), f.opts, ReindexOptions{}); err != nil || len(res.Adopted) != 0 {
		t.Errorf("second reindex adopted %d: %v", len(res.Adopted), err)
	}
}
