package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
	"github.com/hatch-backup/hatch-backup/retention"
)

func openTestRemote(t *testing.T, s *s3test.Server, pass string) *remote.Remote {
	t.Helper()
	env := s.Env()
	env[remote.TestWorkFactorEnv] = "10"
	r, err := remote.Open(context.Background(), remote.Options{URL: "s3://hatch/laptop", Endpoint: s.Endpoint,
		Passphrase: []byte(pass), Create: true, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func push(t *testing.T, f *fixture, r *remote.Remote) PushResult {
	t.Helper()
	st := f.open()
	defer st.Close()
	res, err := st.Push(context.Background(), r, PushOptions{})
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	return res
}

func pull(f *fixture, r *remote.Remote, hosts ...string) (PullResult, error) {
	st := f.open()
	defer st.Close()
	return st.Pull(context.Background(), r, PullOptions{Hosts: hosts})
}

// same reports whether two listings hold the same backups, as pull
// promises: host, instant, timestamp, original path, sha256, compression
// and marks.
func same(t *testing.T, a, b []Backup) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d backups, want %d", len(b), len(a))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Host != y.Host || !x.Created.Equal(y.Created) || x.OriginalPath != y.OriginalPath || x.SHA256 != y.SHA256 ||
			x.Compression != y.Compression || x.Safety != y.Safety || x.Timestamp != y.Timestamp || (x.Parsed == nil) != (y.Parsed == nil) {
			t.Fatalf("backup %d: pulled %+v, want %+v", i, y, x)
		}
	}
}

func TestPushPullRoundTrip(t *testing.T) {
	srv := s3test.Start(t)
	a := newFixture(t)
	cfg := a.config("mcp.json", []byte(`{"mcpServers":{}}`))
	a.create("cursor", cfg)
	a.create("claude-desktop", a.config("c.json", []byte(`{"mcpServers":{"x":{}}}`)))
	{
		st := a.open()
		if _, err := st.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: cfg, Compress: true}); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	r := openTestRemote(t, srv, "pw")
	if res := push(t, a, r); res.Uploaded != 3 || res.Skipped != 0 || res.Bytes == 0 {
		t.Fatalf("first push: %+v", res)
	}
	if res := push(t, a, r); res.Uploaded != 0 || res.Skipped != 3 {
		t.Fatalf("second push: %+v", res)
	}
	a.create("cursor", a.config("mcp.json", []byte(`{"mcpServers":{"new":{}}}`)))
	if res := push(t, a, r); res.Uploaded != 1 || res.Skipped != 3 {
		t.Fatalf("push after one backup: %+v", res)
	}

	// A new machine.
	b := newFixture(t)
	r2 := openTestRemote(t, srv, "pw")
	res, err := pull(b, r2, "claude-desktop")
	if err != nil || res.Downloaded != 1 {
		t.Fatalf("pull --host: %+v, %v", res, err)
	}
	res, err = pull(b, r2)
	if err != nil || res.Downloaded != 3 || res.Skipped != 1 {
		t.Fatalf("pull: %+v, %v", res, err)
	}
	same(t, a.all(), b.all())
	res, err = pull(b, r2)
	if err != nil || res.Downloaded != 0 || res.Skipped != 4 {
		t.Fatalf("second pull: %+v, %v", res, err)
	}
}

// A truncated object fails the pull before anything is written.
func TestPullTamperedChangesNothing(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server")
	}
	a := newFixture(t)
	a.create("cursor", a.config("m.json", []byte(`{}`)))
	a.create("zed", a.config("z.json", []byte(`{"context_servers":{}}`)))
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	cat, err := r.Catalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Cut inside the last blob of the pack: its padding alone would not
	// matter.
	e := cat.Entries[0]
	if cat.Entries[1].Offset > e.Offset {
		e = cat.Entries[1]
	}
	obj := filepath.Join(srv.Dir(), "hatch", "laptop", filepath.FromSlash(e.Object))
	data, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, data[:e.Offset+e.Length-3], 0o600); err != nil {
		t.Fatal(err)
	}
	b := newFixture(t)
	_, err = pull(b, r)
	if !IsIntegrity(err) {
		t.Fatalf("got %v, want an integrity error", err)
	}
	if got := b.all(); len(got) != 0 {
		t.Fatalf("pull wrote %d backups", len(got))
	}
}

// clean --remote removes from the catalogue first, then the objects; a
// push from the machine that still has the backups does not bring them
// back.
func TestCleanRemote(t *testing.T) {
	srv := s3test.Start(t)
	a := newFixture(t)
	for i := range 3 {
		a.create("cursor", a.config("m.json", []byte(`{"n":`+string(rune('0'+i))+`}`)))
	}
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	keep := 1
	st := a.open(func(o *Options) { o.UpgradingReader = true })
	res, err := st.CleanRemote(context.Background(), r, CleanOptions{Policy: retentionKeepCount(keep), DryRun: true})
	if err != nil || len(res.Removed) != 2 || len(res.Kept) != 1 {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	res, err = st.CleanRemote(context.Background(), r, CleanOptions{Policy: retentionKeepCount(keep)})
	st.Close()
	if err != nil || len(res.Removed) != 2 {
		t.Fatalf("clean: %+v %v", res, err)
	}
	cat, err := r.Catalogue(context.Background())
	if err != nil || len(cat.Entries) != 1 {
		t.Fatalf("after clean: %v, %d entries", err, len(cat.Entries))
	}
	if pr := push(t, a, r); pr.Uploaded != 0 || pr.Skipped != 3 {
		t.Fatalf("push after clean: %+v", pr)
	}
	if srv.Dir() != "" {
		objs, _ := filepath.Glob(filepath.Join(srv.Dir(), "hatch", "laptop", "data", "*"))
		if len(objs) != 1 {
			t.Fatalf("%d data objects left, want 1", len(objs))
		}
	}
	// The local store is untouched.
	if n := len(a.all()); n != 3 {
		t.Fatalf("local: %d backups", n)
	}
}

func retentionKeepCount(n int) retention.Policy { return retention.Policy{KeepCount: &n} }

// TestPullAgainAfterLostIndexWrite: a pull killed after its files but
// before their index entries leaves unindexed files with exactly the
// pulled bytes; the next pull indexes those files instead of writing a
// second copy of each under the next free name.
func TestPullAgainAfterLostIndexWrite(t *testing.T) {
	srv := s3test.Start(t)
	a := newFixture(t)
	for i := range 3 {
		a.create("cursor", a.config("mcp.json", fmt.Appendf(nil, `{"mcpServers":{"s%d":{}}}`, i)))
	}
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	b := newFixture(t)
	if res, err := pull(b, r); err != nil || res.Downloaded != 3 {
		t.Fatalf("pull: %+v, %v", res, err)
	}
	pulled := b.all()
	st := b.open()
	for _, bk := range pulled {
		if err := st.db.Delete(bk.Host, bk.Created); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	if res, err := pull(b, r); err != nil || res.Downloaded != 3 {
		t.Fatalf("pull again: %+v, %v", res, err)
	}
	same(t, a.all(), b.all())
	files, err := filepath.Glob(filepath.Join(b.root, "cursor", "mcp.json.cursor.*"))
	if err != nil || len(files) != 3 {
		t.Fatalf("%d backup files, want 3 (no second copies): %v", len(files), files)
	}
}
