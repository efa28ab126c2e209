package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
)

// memCache is a remote.Cache in memory: one per machine.
type memCache struct {
	mu    sync.Mutex
	files map[string][]byte
}

func newMemCache() *memCache { return &memCache{files: map[string][]byte{}} }

func (m *memCache) Read(name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return append([]byte(nil), b...), nil
}

func (m *memCache) Write(name string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = append([]byte(nil), data...)
	return nil
}

func (m *memCache) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	return nil
}

func (m *memCache) Path(name string) string { return "mem:" + name }

func openCached(t *testing.T, s *s3test.Server, url, pass string, c remote.Cache) (*remote.Remote, error) {
	t.Helper()
	o := opts(s, url, pass)
	o.Cache = c
	return remote.Open(context.Background(), o)
}

// Segments a machine has seen that another machine consolidated (and
// deleted) are no rollback: the consolidation that supersedes them is
// listed. The segments deleted with nothing superseding them are one,
// for the machine that saw them and for no other.
func TestRollbackCheckFollowsConsolidation(t *testing.T) {
	defer remote.SetConsolidateAt(3)()
	s := s3test.Start(t)
	ctx := context.Background()
	const url = "s3://bkt/roll"
	ca, cb := newMemCache(), newMemCache()
	machine := func(c *memCache) *remote.Remote {
		r, err := openCached(t, s, url, "pw", c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	push(t, machine(ca), "cursor", 1)
	push(t, machine(ca), "cursor", 1) // a has seen 2 segments
	rb := machine(cb)
	c, err := rb.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := rb.Append(ctx, c, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := rb.Consolidate(ctx, c); err != nil { // 3 segments: merged into one, deleted
		t.Fatal(err)
	}
	if len(c.Segments) != 1 {
		t.Fatalf("not consolidated: %v", c.Segments)
	}
	c, err = machine(ca).Catalogue(ctx)
	if err != nil {
		t.Fatalf("a after b's consolidation: %v", err)
	}
	if len(c.Entries) != 2 {
		t.Fatalf("a after b's consolidation: %d entries", len(c.Entries))
	}
	if s.Dir() == "" {
		return
	}
	if err := os.RemoveAll(filepath.Join(s.Dir(), "bkt", "roll", "cat")); err != nil {
		t.Fatal(err)
	}
	for name, cache := range map[string]*memCache{"a": ca, "b": cb} {
		_, err = machine(cache).Catalogue(ctx)
		if !errors.Is(err, remote.ErrIntegrity) || !strings.Contains(err.Error(), "lost catalogue segments") {
			t.Fatalf("%s after the segments were deleted: %v", name, err)
		}
	}
	if c, err := machine(newMemCache()).Catalogue(ctx); err != nil || len(c.Entries) != 0 {
		t.Fatalf("a machine that saw nothing: %v %v", c, err)
	}
}

// The key cache is bound to the passphrase and to the key file: a wrong
// passphrase is ErrPassphrase and leaves the cache as it was; no cache
// file holds the passphrase.
func TestKeyCacheBinding(t *testing.T) {
	s := s3test.Start(t)
	c := newMemCache()
	if _, err := openCached(t, s, "s3://bkt/kc", "right pass", c); err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(c.files)
	if _, err := openCached(t, s, "s3://bkt/kc", "wrong pass", c); !errors.Is(err, remote.ErrPassphrase) {
		t.Fatalf("wrong passphrase with a cache: %v", err)
	}
	if fmt.Sprint(c.files) != before {
		t.Fatal("a wrong passphrase changed the cache")
	}
	if _, err := openCached(t, s, "s3://bkt/kc", "right pass", c); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.files) != before {
		t.Fatal("a cached open rewrote the cache")
	}
	for name, b := range c.files {
		if strings.Contains(string(b), "right pass") {
			t.Fatalf("%s holds the passphrase", name)
		}
	}
}
