package remote_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
)

func opts(s *s3test.Server, url, pass string) remote.Options {
	env := s.Env()
	env[remote.TestWorkFactorEnv] = "10"
	return remote.Options{URL: url, Endpoint: s.Endpoint, Passphrase: []byte(pass), Create: true,
		Getenv: func(k string) string { return env[k] }}
}

func openRemote(t *testing.T, s *s3test.Server, url, pass string) *remote.Remote {
	t.Helper()
	r, err := remote.Open(context.Background(), opts(s, url, pass))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return r
}

func sum(b []byte) [32]byte { return sha256.Sum256(b) }

// instants makes every pushed entry's instant unique.
var instants atomic.Int64

// push uploads n backups of host and appends one segment naming them.
func push(t *testing.T, r *remote.Remote, host string, n int) []remote.Entry {
	t.Helper()
	ctx := context.Background()
	c, err := r.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var es []remote.Entry
	for i := range n {
		data := fmt.Appendf(nil, `{"mcpServers":{"n":%d,"host":%q}}`, i, host)
		name, err := r.Upload(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, remote.Entry{Object: name, Host: host, Timestamp: fmt.Sprint(i), Created: time.Unix(1700000000+instants.Add(1), 0).UTC(),
			OriginalPath: "/home/u/." + host + "/mcp.json", Size: int64(len(data)), SHA256: sum(data)})
	}
	if err := r.Append(ctx, c, es, nil); err != nil {
		t.Fatal(err)
	}
	return es
}

func TestRoundTrip(t *testing.T) {
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/laptop", "correct horse")
	es := push(t, r, "cursor", 3)
	// A second run (a new process) sees the same catalogue.
	r2 := openRemote(t, s, "s3://bkt/laptop", "correct horse")
	c, err := r2.Catalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 3 || c.Entries[0].OriginalPath != es[0].OriginalPath || c.Entries[2].SHA256 != es[2].SHA256 {
		t.Fatalf("catalogue: %+v", c.Entries)
	}
	for _, e := range c.Entries {
		if _, err := r2.Download(context.Background(), e, sum); err != nil {
			t.Fatal(err)
		}
	}
}

// The bucket learns nothing: no object name and no byte stored holds a
// host, path or content.
func TestNothingReadableInBucket(t *testing.T) {
	s := s3test.Start(t)
	if s.Dir() == "" {
		t.Skip("external server: its files are not ours to read")
	}
	r := openRemote(t, s, "s3://bkt/p", "pw")
	push(t, r, "claude-desktop", 2)
	err := filepath.Walk(s.Dir(), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, secret := range []string{"claude", "mcpServers", "/home/u", "mcp.json"} {
			if strings.Contains(p, secret) || strings.Contains(string(b), secret) {
				t.Errorf("%s shows %q", p, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestWrongPassphrase(t *testing.T) {
	s := s3test.Start(t)
	openRemote(t, s, "s3://bkt/p", "right")
	_, err := remote.Open(context.Background(), opts(s, "s3://bkt/p", "wrong"))
	if !errors.Is(err, remote.ErrPassphrase) {
		t.Fatalf("got %v, want ErrPassphrase", err)
	}
	if strings.Contains(err.Error(), "wrong") && !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("error shows the passphrase: %v", err)
	}
}

func TestNotInitialized(t *testing.T) {
	s := s3test.Start(t)
	o := opts(s, "s3://nobucket/p", "pw")
	o.Create = false
	if _, err := remote.Open(context.Background(), o); !errors.Is(err, remote.ErrNotInitialized) {
		t.Fatalf("got %v", err)
	}
}

func TestRefusedCredentials(t *testing.T) {
	s := s3test.Start(t)
	o := opts(s, "s3://bkt/p", "pw")
	o.Getenv = func(k string) string {
		if k == "AWS_SECRET_ACCESS_KEY" {
			return "not-the-secret-xyz"
		}
		return s.Env()[k]
	}
	_, err := remote.Open(context.Background(), o)
	if !errors.Is(err, remote.ErrDenied) || !strings.Contains(err.Error(), s.Endpoint) || strings.Contains(err.Error(), "not-the-secret") {
		t.Fatalf("got %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	s := s3test.Start(t)
	o := opts(s, "s3://bkt/p", "pw")
	o.Endpoint = "http://127.0.0.1:1"
	_, err := remote.Open(context.Background(), o)
	if !errors.Is(err, remote.ErrUnreachable) || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("got %v", err)
	}
}

// objectFile is where the posix backend keeps an object.
func objectFile(s *s3test.Server, bucket, key string) string {
	return filepath.Join(s.Dir(), bucket, filepath.FromSlash(key))
}

func needDir(t *testing.T, s *s3test.Server) {
	if s.Dir() == "" {
		t.Skip("external server: cannot tamper behind its back")
	}
}

// An object swapped for another valid object of the same remote does not
// authenticate under its name.
func TestSwappedObject(t *testing.T) {
	s := s3test.Start(t)
	needDir(t, s)
	r := openRemote(t, s, "s3://bkt/p", "pw")
	es := push(t, r, "cursor", 2)
	a, b := objectFile(s, "bkt", "p/"+es[0].Object), objectFile(s, "bkt", "p/"+es[1].Object)
	data, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Download(context.Background(), es[0], sum); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("got %v", err)
	}
	if _, err := r.Download(context.Background(), es[1], sum); err != nil {
		t.Fatal(err)
	}
}

func TestTruncatedObjectAndSegment(t *testing.T) {
	s := s3test.Start(t)
	needDir(t, s)
	r := openRemote(t, s, "s3://bkt/p", "pw")
	es := push(t, r, "cursor", 1)
	f := objectFile(s, "bkt", "p/"+es[0].Object)
	data, _ := os.ReadFile(f)
	if err := os.WriteFile(f, data[:len(data)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Download(context.Background(), es[0], sum); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("got %v", err)
	}
	c, _ := r.Catalogue(context.Background())
	seg := objectFile(s, "bkt", "p/"+c.Segments[0])
	data, _ = os.ReadFile(seg)
	if err := os.WriteFile(seg, data[:40], 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Catalogue(context.Background()); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("got %v", err)
	}
}

// A segment named by a later one and then deleted is found; so is a
// segment copied under another name (a replay).
func TestDeletedAndReplayedSegment(t *testing.T) {
	s := s3test.Start(t)
	needDir(t, s)
	r := openRemote(t, s, "s3://bkt/p", "pw")
	push(t, r, "cursor", 1)
	c, _ := r.Catalogue(context.Background())
	first := c.Segments[0]
	push(t, r, "zed", 1)
	data, _ := os.ReadFile(objectFile(s, "bkt", "p/"+first))
	// Replay: the first segment under a new name.
	replay := objectFile(s, "bkt", "p/cat/00000000000000000000000000000000")
	if err := os.WriteFile(replay, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Catalogue(context.Background()); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("replay: got %v", err)
	}
	os.Remove(replay)
	if err := os.Remove(objectFile(s, "bkt", "p/"+first)); err != nil {
		t.Fatal(err)
	}
	_, err := r.Catalogue(context.Background())
	if !errors.Is(err, remote.ErrIntegrity) || !strings.Contains(err.Error(), first) {
		t.Fatalf("deleted: got %v", err)
	}
}

// Two pushers at once each append a segment: the merged catalogue has
// both, and neither overwrote the other.
func TestTwoPushersAtOnce(t *testing.T) {
	s := s3test.Start(t)
	openRemote(t, s, "s3://bkt/p", "pw")
	var wg sync.WaitGroup
	for _, h := range []string{"cursor", "zed"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := openRemote(t, s, "s3://bkt/p", "pw")
			push(t, r, h, 5)
		}()
	}
	wg.Wait()
	c, err := openRemote(t, s, "s3://bkt/p", "pw").Catalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 10 || len(c.Segments) != 2 {
		t.Fatalf("%d entries in %d segments, want 10 in 2", len(c.Entries), len(c.Segments))
	}
}

// Removed objects leave the merged view.
func TestRemove(t *testing.T) {
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/p", "pw")
	es := push(t, r, "cursor", 3)
	c, _ := r.Catalogue(context.Background())
	if err := r.Append(context.Background(), c, nil, []string{es[0].Object}); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(context.Background(), []string{es[0].Object}); err != nil {
		t.Fatal(err)
	}
	c, err := r.Catalogue(context.Background())
	if err != nil || len(c.Entries) != 2 {
		t.Fatalf("%v, %d entries", err, len(c.Entries))
	}
}

// A write never replaces an object: the server honours If-None-Match.
func TestNoOverwrite(t *testing.T) {
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/p", "pw")
	if err := r.PutForTest(context.Background(), "config", []byte("x")); !errors.Is(err, remote.ErrExist) {
		t.Fatalf("got %v, want ErrExist", err)
	}
	openRemote(t, s, "s3://bkt/p", "pw")
}

// A segment from a newer release is refused as such, and one that is not
// a catalogue at all (sealed with the right key) as damage.
func TestNewerAndForeignSegment(t *testing.T) {
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/newer", "pw")
	push(t, r, "cursor", 1)
	if err := r.AppendRawForTest(context.Background(), append([]byte(remote.SegmentMagic), remote.CatalogueFormat+1, 'w')); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Catalogue(context.Background()); !errors.Is(err, remote.ErrNewer) {
		t.Fatalf("got %v, want ErrNewer", err)
	}
	r = openRemote(t, s, "s3://bkt/foreign", "pw")
	if err := r.AppendRawForTest(context.Background(), []byte(`{"format":1}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Catalogue(context.Background()); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("got %v, want ErrIntegrity", err)
	}
}

// Data objects are padded: two configs of nearby sizes make objects of
// one size.
func TestObjectsPadded(t *testing.T) {
	s := s3test.Start(t)
	needDir(t, s)
	r := openRemote(t, s, "s3://bkt/pad", "pw")
	ctx := context.Background()
	var sizes []int64
	for _, n := range []int{1, 100, 200, 1000, 1020} {
		name, err := r.Upload(ctx, make([]byte, n))
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(objectFile(s, "bkt", "pad/"+name))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, fi.Size())
	}
	if sizes[0] != sizes[1] || sizes[1] != sizes[2] || sizes[3] != sizes[4] || sizes[0] == sizes[3] {
		t.Fatalf("object sizes %v", sizes)
	}
}

// Many segments are merged into one; the old ones go; what was removed
// stays removed; a segment written meanwhile by another pusher (naming
// segments that are now gone) still merges.
func TestConsolidate(t *testing.T) {
	defer remote.SetConsolidateAt(4)()
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/cons", "pw")
	ctx := context.Background()
	var all []remote.Entry
	for range 4 {
		all = append(all, push(t, r, "cursor", 2)...)
	}
	c, err := r.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Append(ctx, c, nil, []string{all[0].Object}); err != nil {
		t.Fatal(err)
	}
	// Another machine read the same catalogue and pushes later.
	other := openRemote(t, s, "s3://bkt/cons", "pw")
	oc, err := other.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Consolidate(ctx, c); err != nil {
		t.Fatal(err)
	}
	name, err := other.Upload(ctx, []byte("late"))
	if err != nil {
		t.Fatal(err)
	}
	late := remote.Entry{Object: name, Host: "zed", Timestamp: "x", Created: time.Unix(1800000000, 0), OriginalPath: "/z", Size: 4, SHA256: sum([]byte("late"))}
	if err := other.Append(ctx, oc, []remote.Entry{late}, nil); err != nil {
		t.Fatal(err)
	}
	c, err = r.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Segments) != 2 || len(c.Entries) != 8 || !c.Removed[all[0].Key()] {
		t.Fatalf("%d segments, %d entries, removed %v", len(c.Segments), len(c.Entries), c.Removed)
	}
}

// Two copies of one backup (two pushers at once): removing the one the
// catalogue shows removes the backup, not just that copy.
func TestRemoveDuplicate(t *testing.T) {
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/dup", "pw")
	ctx := context.Background()
	es := push(t, r, "cursor", 1)
	c, _ := r.Catalogue(ctx)
	twin := es[0]
	var err error
	if twin.Object, err = r.Upload(ctx, []byte(`{"mcpServers":{"n":0,"host":"cursor"}}`)); err != nil {
		t.Fatal(err)
	}
	if err := r.Append(ctx, c, []remote.Entry{twin}, nil); err != nil {
		t.Fatal(err)
	}
	c, _ = r.Catalogue(ctx)
	if len(c.Entries) != 1 {
		t.Fatalf("%d entries", len(c.Entries))
	}
	if err := r.Append(ctx, c, nil, []string{c.Entries[0].Object}); err != nil {
		t.Fatal(err)
	}
	if c, _ = r.Catalogue(ctx); len(c.Entries) != 0 {
		t.Fatalf("the twin came back: %+v", c.Entries)
	}
}

// A pack's blob cut short, or read at another offset, does not open.
func TestPackBlobTruncatedOrMoved(t *testing.T) {
	s := s3test.Start(t)
	needDir(t, s)
	ctx := context.Background()
	r := openRemote(t, s, "s3://bkt/pk", "pw")
	p := r.NewPacker()
	var es []remote.Entry
	for i := range 3 {
		e, err := p.Add(remote.Entry{Host: "cursor", Timestamp: fmt.Sprint(i)}, []byte(fmt.Sprintf(`{"n":%d}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	if err := p.Put(ctx); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if err := r.ReadBlob(ctx, e, nil); err != nil {
			t.Fatal(err)
		}
	}
	moved := es[0]
	moved.Offset = es[1].Offset
	if err := r.ReadBlob(ctx, moved, nil); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("moved: got %v", err)
	}
	f := objectFile(s, "bkt", "pk/"+es[2].Object)
	data, _ := os.ReadFile(f)
	if err := os.WriteFile(f, data[:es[2].Offset+es[2].Length-1], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.ReadBlob(ctx, es[2], nil); !errors.Is(err, remote.ErrIntegrity) {
		t.Fatalf("truncated: got %v", err)
	}
	if err := r.ReadBlob(ctx, es[1], nil); err != nil {
		t.Fatalf("the blob before the cut: %v", err)
	}
}

// A consolidation right after an append (as push does) keeps what that
// append added: the merged view it writes holds it.
func TestConsolidateAfterAppend(t *testing.T) {
	defer remote.SetConsolidateAt(3)()
	s := s3test.Start(t)
	r := openRemote(t, s, "s3://bkt/consappend", "pw")
	ctx := context.Background()
	push(t, r, "cursor", 1)
	push(t, r, "cursor", 1)
	c, err := r.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := r.NewPacker()
	e, err := p.Add(remote.Entry{Host: "zed", Timestamp: "z", Created: time.Unix(1900000000, 0).UTC(), OriginalPath: "/z",
		Size: 2, SHA256: sum([]byte("{}"))}, []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Put(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Append(ctx, c, []remote.Entry{e}, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.Consolidate(ctx, c); err != nil {
		t.Fatal(err)
	}
	c, err = r.Catalogue(ctx)
	if err != nil || len(c.Segments) != 1 || len(c.Entries) != 3 {
		t.Fatalf("%v: %d segments, %d entries", err, len(c.Segments), len(c.Entries))
	}
}
