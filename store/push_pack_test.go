package store

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
	"github.com/hatch-backup/hatch-backup/retention"
)

// packFixture fills a store with n hourly backups of a Claude Code-like
// config (cursor) and 40 small ones (zed), then compacts it with deltas:
// deltas, .zst and plain files, as a year of watch leaves them. It
// returns the original bytes by host/timestamp.
func packFixture(t *testing.T, n int) (*fixture, map[string][]byte) {
	f := newFixture(t)
	var bs []GenBackup
	for i := range n {
		bs = append(bs, GenBackup{Host: "cursor", Created: cleanNow.Add(-time.Duration(i+1) * time.Hour), Data: claudeLike(n - i)})
	}
	for i := range 40 {
		bs = append(bs, GenBackup{Host: "zed", Created: cleanNow.Add(-time.Duration(i+1) * time.Minute), Data: fmt.Appendf(nil, `{"context_servers":{"n%d":{}}}`, i)})
	}
	recs, err := Populate(f.root, time.UTC, bs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	for i, r := range recs {
		want[r.Host+"/"+r.Timestamp] = bs[i].Data
	}
	if _, err := f.compact(CompactOptions{Delta: true}); err != nil {
		t.Fatal(err)
	}
	return f, want
}

// sameStored checks that b holds a's backups exactly: every index field
// and every stored byte (a delta stays a delta against the same base).
func sameStored(t *testing.T, a, b []Backup) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d backups, want %d", len(b), len(a))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Host != y.Host || !x.Created.Equal(y.Created) || x.Timestamp != y.Timestamp || x.OriginalPath != y.OriginalPath ||
			x.SHA256 != y.SHA256 || x.Compression != y.Compression || x.Base != y.Base || x.FileSize != y.FileSize ||
			x.OriginalSize != y.OriginalSize || x.Safety != y.Safety || (x.Parsed == nil) != (y.Parsed == nil) ||
			filepath.Base(x.Path) != filepath.Base(y.Path) {
			t.Fatalf("backup %d: pulled %+v, want %+v", i, y, x)
		}
		dx, err := os.ReadFile(x.Path)
		if err != nil {
			t.Fatal(err)
		}
		dy, err := os.ReadFile(y.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dx, dy) {
			t.Fatalf("%s: pulled file differs", y.Path)
		}
	}
}

func dataObjects(t *testing.T, srv *s3test.Server) []string {
	t.Helper()
	objs, err := filepath.Glob(filepath.Join(srv.Dir(), "hatch", "laptop", "data", "*"))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// nothingReadable fails when a name or byte in the bucket shows one of
// words.
func nothingReadable(t *testing.T, srv *s3test.Server, words ...string) {
	t.Helper()
	err := filepath.Walk(srv.Dir(), func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, w := range words {
			if strings.Contains(p, w) || bytes.Contains(data, []byte(w)) {
				t.Errorf("%s shows %q", p, w)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countDeltas(bs []Backup) (n int) {
	for _, b := range bs {
		if b.Compression == "delta" {
			n++
		}
	}
	return n
}

// 200 backups (deltas, .zst, plain) go up in one pack and come back onto
// an empty store as they were: every index field and stored byte.
func TestPackRoundTrip(t *testing.T) {
	srv := s3test.Start(t)
	a, want := packFixture(t, 160)
	before := a.all()
	if countDeltas(before) < 100 {
		t.Fatalf("only %d deltas to push", countDeltas(before))
	}
	r := openTestRemote(t, srv, "pw")
	if res := push(t, a, r); res.Uploaded != 200 {
		t.Fatalf("push: %+v", res)
	}
	if srv.Dir() != "" {
		if objs := dataObjects(t, srv); len(objs) != 1 {
			t.Fatalf("%d data objects, want one pack", len(objs))
		}
		nothingReadable(t, srv, "cursor", "zed", "numStartups", "context_servers", "mcp.json")
	}
	b := newFixture(t)
	b.opts.Location = time.UTC
	res, err := pull(b, openTestRemote(t, srv, "pw"))
	if err != nil || res.Downloaded != 200 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	sameStored(t, before, b.all())
	for k, data := range b.readAll() {
		if !bytes.Equal(data, want[k]) {
			t.Fatalf("%s reads back other bytes", k)
		}
	}
	vr, err := VerifyRemote(context.Background(), r, nil)
	if err != nil || len(vr.Problems) != 0 || vr.Checked != 200 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
	// --host: a host's deltas come with their bases.
	c := newFixture(t)
	c.opts.Location = time.UTC
	if res, err := pull(c, r, "cursor"); err != nil || res.Downloaded != 160 {
		t.Fatalf("pull --host cursor: %+v %v", res, err)
	}
	c.readAll()
}

// A pulled delta names its base as the pulling store does: into another
// time zone, the base's timestamp (and so the delta's header) changes,
// and the delta still reads back.
func TestPullDeltaIntoOtherZone(t *testing.T) {
	srv := s3test.Start(t)
	a, want := packFixture(t, 20)
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	b := newFixture(t)
	zone := time.FixedZone("X", 5*3600+1800)
	b.opts.Location = zone
	if _, err := pull(b, r); err != nil {
		t.Fatal(err)
	}
	got := b.readAll()
	if len(got) != len(want) || countDeltas(b.all()) == 0 {
		t.Fatalf("%d backups, %d deltas", len(got), countDeltas(b.all()))
	}
	for _, bk := range b.all() {
		utc := blob.FormatTimestamp(bk.Created.UTC())
		if !bytes.Equal(got[bk.Host+"/"+bk.Timestamp], want[bk.Host+"/"+utc]) {
			t.Fatalf("%s/%s reads back other bytes", bk.Host, bk.Timestamp)
		}
	}
}

// killProxy forwards to target until `after` PUTs of data objects have
// reached the server; the answer to that last one is lost and every
// later request is refused: the server stopped in the middle of a push,
// one pack stored whole but never acknowledged.
func killProxy(t *testing.T, target string, after int64) string {
	var puts atomic.Int64
	var dead atomic.Bool
	return testProxy(t, target, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if dead.Load() {
			hijackClose(w)
			return
		}
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/data/") && puts.Add(1) >= after {
			dead.Store(true)
			next.ServeHTTP(httptest.NewRecorder(), r)
			hijackClose(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func hijackClose(w http.ResponseWriter) {
	if c, _, err := w.(http.Hijacker).Hijack(); err == nil {
		c.Close()
	}
}

// A push killed mid-way leaves only whole packs; the next push uploads
// what is missing; clean --remote keeps the orphan pack through the
// grace period and removes it after; the remote then holds every backup
// once, every object named.
func TestPushKilledMidPackResumes(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server: its files are not ours to count")
	}
	smallPacks(t)
	a := newFixture(t)
	many(t, a, 40)
	env := srv.Env()
	env[remote.TestWorkFactorEnv] = "10"
	openTestRemote(t, srv, "pw") // the key, directly
	r, err := remote.Open(context.Background(), remote.Options{URL: "s3://hatch/laptop", Endpoint: killProxy(t, srv.Endpoint, 4),
		Passphrase: []byte("pw"), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	st := a.open()
	first, err := st.Push(context.Background(), r, PushOptions{})
	st.Close()
	if err == nil || first.Uploaded == 40 {
		t.Fatalf("push through a dying server: %+v %v", first, err)
	}
	direct := openTestRemote(t, srv, "pw")
	again := push(t, a, direct)
	if again.Uploaded+again.Skipped != 40 || again.Skipped != first.Uploaded {
		t.Fatalf("resumed push: %+v after %+v", again, first)
	}
	cat, err := direct.Catalogue(context.Background())
	if err != nil || len(cat.Entries) != 40 {
		t.Fatalf("catalogue: %v, %d entries", err, len(cat.Entries))
	}
	named := map[string]bool{}
	for _, e := range cat.Entries {
		named[e.Object] = true
	}
	orphans := func() (n int) {
		for _, p := range dataObjects(t, srv) {
			if !named["data/"+filepath.Base(p)] {
				n++
			}
		}
		return n
	}
	if orphans() == 0 {
		t.Fatal("the killed push left no orphan pack")
	}
	keepAll := retention.Policy{KeepCount: ptr(1000)}
	cleanAt := func(now time.Time) {
		st := a.open(func(o *Options) { o.Now = func() time.Time { return now } })
		defer st.Close()
		if _, err := st.CleanRemote(context.Background(), direct, CleanOptions{Policy: keepAll}); err != nil {
			t.Fatal(err)
		}
	}
	cleanAt(time.Now())
	if orphans() == 0 {
		t.Fatal("clean --remote removed an orphan younger than the grace period")
	}
	cleanAt(time.Now().Add(RemoteOrphanGrace + time.Hour))
	if n := orphans(); n != 0 {
		t.Fatalf("%d orphans left past the grace period", n)
	}
	checkRemoteHolds(t, srv, a)
}

func ptr(n int) *int { return &n }

// clean --remote leaves a pack mostly dead: it is repacked, and every
// kept backup still pulls.
func TestCleanRemoteRepacks(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server: its files are not ours to count")
	}
	a := newFixture(t)
	many(t, a, 20)
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	old := dataObjects(t, srv)
	if len(old) != 1 {
		t.Fatalf("%d packs", len(old))
	}
	st := a.open()
	if _, err := st.CleanRemote(context.Background(), r, CleanOptions{Policy: retention.Policy{KeepCount: ptr(5)}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	now := dataObjects(t, srv)
	if len(now) != 1 || now[0] == old[0] {
		t.Fatalf("packs %v after clean, were %v: want one new pack", now, old)
	}
	b := newFixture(t)
	res, err := pull(b, openTestRemote(t, srv, "pw"))
	if err != nil || res.Downloaded != 5 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	same(t, a.all()[:5], b.all())
	b.readAll()
	if vr, err := VerifyRemote(context.Background(), r, nil); err != nil || len(vr.Problems) != 0 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
}

// clean --remote removes bases of kept deltas (keep one a day of hourly
// backups: the day's last is a delta against a later one that goes):
// each such delta is stored whole first, and everything kept pulls and
// reads back its bytes.
func TestCleanRemoteKeepsDeltasReadable(t *testing.T) {
	srv := s3test.Start(t)
	a, want := packFixture(t, 72)
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	st := a.open(atCleanNow)
	res, err := st.CleanRemote(context.Background(), r, CleanOptions{Policy: retention.Policy{KeepCount: ptr(0), KeepDaily: 4}, Hosts: []string{"cursor"}})
	st.Close()
	if err != nil || len(res.Kept) < 3 {
		t.Fatalf("clean --remote: %d kept, %v", len(res.Kept), err)
	}
	cat, err := r.Catalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	whole := 0
	for _, e := range cat.Entries {
		if e.Host == "cursor" && e.Encoding == remote.EncodingZstd {
			whole++
		}
	}
	if whole == 0 {
		t.Fatal("no kept delta lost its base: the test shows nothing")
	}
	if vr, err := VerifyRemote(context.Background(), r, nil); err != nil || len(vr.Problems) != 0 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
	b := newFixture(t)
	b.opts.Location = time.UTC
	if _, err := pull(b, openTestRemote(t, srv, "pw"), "cursor"); err != nil {
		t.Fatal(err)
	}
	got := b.readAll()
	if len(got) != len(res.Kept) {
		t.Fatalf("pulled %d, kept %d", len(got), len(res.Kept))
	}
	for k, data := range got {
		if !bytes.Equal(data, want[k]) {
			t.Fatalf("%s reads back other bytes", k)
		}
	}
}

// Blobs swapped within a pack (same length) do not open in each other's
// place: pull is an integrity error and writes nothing; verify --remote
// names both.
func TestPullSwappedBlobs(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server")
	}
	a := newFixture(t)
	a.create("cursor", a.config("m.json", []byte(`{"a":1}`)))
	a.create("cursor", a.config("m.json", []byte(`{"a":2}`)))
	r := openTestRemote(t, srv, "pw")
	push(t, a, r)
	cat, err := r.Catalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	x, y := cat.Entries[0], cat.Entries[1]
	if x.Object != y.Object || x.Length != y.Length {
		t.Fatalf("entries %+v %+v", x, y)
	}
	obj := filepath.Join(srv.Dir(), "hatch", "laptop", filepath.FromSlash(x.Object))
	data, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	bx := bytes.Clone(data[x.Offset : x.Offset+x.Length])
	copy(data[x.Offset:], data[y.Offset:y.Offset+y.Length])
	copy(data[y.Offset:], bx)
	if err := os.WriteFile(obj, data, 0o600); err != nil {
		t.Fatal(err)
	}
	b := newFixture(t)
	if _, err := pull(b, r); !IsIntegrity(err) {
		t.Fatalf("got %v, want an integrity error", err)
	}
	if n := len(b.all()); n != 0 {
		t.Fatalf("pull wrote %d backups", n)
	}
	vr, err := VerifyRemote(context.Background(), r, nil)
	if err != nil || len(vr.Problems) != 2 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
}

// A remote written by the previous release (format 2: one whole object
// per backup, its original bytes) still reads and pulls, also after this
// release added a segment of its own on top.
func TestPreviousFormatStillPulls(t *testing.T) {
	s := s3test.Start(t)
	_ = s
	ctx := context.Background()
	r := openTestRemote(t, s, "pw")
	c, err := r.Catalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"mcpServers":{"old":{}}}`)
	name, err := r.UploadFormat2ForTest(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	old := remote.Entry{Object: name, Host: "cursor", Timestamp: "2026-01-02_03-04-05", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		OriginalPath: "/home/u/.cursor/mcp.json", Size: int64(len(data)), SHA256: blob.Sum(data), Compressed: true}
	if err := r.AppendFormat2ForTest(ctx, c, []remote.Entry{old}); err != nil {
		t.Fatal(err)
	}
	if c, err = r.Catalogue(ctx); err != nil || len(c.Entries) != 1 || !c.Entries[0].Legacy() {
		t.Fatalf("format 2 catalogue: %+v %v", c, err)
	}
	// This release pushes a backup on top of it.
	src := t.TempDir()
	cfg := filepath.Join(src, "zed.json")
	if err := os.WriteFile(cfg, []byte(`{"context_servers":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Options{Root: filepath.Join(src, "a"), LockTimeout: 5 * time.Second, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Create(ctx, CreateOptions{Host: "zed", ConfigPath: cfg}); err != nil {
		t.Fatal(err)
	}
	if res, err := a.Push(ctx, r, PushOptions{}); err != nil || res.Uploaded != 1 {
		t.Fatalf("push: %+v %v", res, err)
	}
	a.Close()
	b, err := Open(ctx, Options{Root: filepath.Join(t.TempDir(), "b"), LockTimeout: 5 * time.Second, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if res, err := b.Pull(ctx, r, PullOptions{}); err != nil || res.Downloaded != 2 {
		t.Fatalf("pull: %+v %v", res, err)
	}
	for bk, err := range b.List(ctx, Query{Hosts: []string{"cursor"}}) {
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Read(bk)
		if err != nil || !bytes.Equal(got, data) || bk.Compression != "zstd" || bk.OriginalPath != old.OriginalPath {
			t.Fatalf("pulled %+v: %q %v", bk, got, err)
		}
	}
	if vr, err := VerifyRemote(ctx, r, nil); err != nil || vr.Checked != 2 || len(vr.Problems) != 0 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
}

// A backup larger than a pack goes as an object of its own, streamed
// through several sealed chunks, and pulls back whole; small ones beside
// it still share a pack.
func TestPushLargeBackupAlone(t *testing.T) {
	srv := s3test.Start(t)
	t.Cleanup(remote.SetPackTargetForTest(256 << 10))
	a := newFixture(t)
	big := bytes.Repeat([]byte(`{"k":"0123456789abcdef"},`), 120_000) // 3 MiB: three chunks
	a.create("cursor", a.config("big.json", big))
	for i := range 3 {
		a.create("zed", a.config("z.json", fmt.Appendf(nil, `{"n":%d}`, i)))
	}
	r := openTestRemote(t, srv, "pw")
	if res := push(t, a, r); res.Uploaded != 4 {
		t.Fatalf("push: %+v", res)
	}
	if srv.Dir() != "" {
		if objs := dataObjects(t, srv); len(objs) != 2 {
			t.Fatalf("%d data objects, want the large one and a pack", len(objs))
		}
	}
	checkRemoteHolds(t, srv, a)
	if vr, err := VerifyRemote(context.Background(), r, nil); err != nil || len(vr.Problems) != 0 {
		t.Fatalf("verify --remote: %+v %v", vr, err)
	}
}

// dropProxy forwards everything to target, but the answer to the first
// PUT of a data object is lost after the server stored it: the client
// tries again and finds the name taken by its own first try.
func dropProxy(t *testing.T, target string) string {
	var dropped atomic.Bool
	return testProxy(t, target, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/data/") && dropped.CompareAndSwap(false, true) {
			next.ServeHTTP(httptest.NewRecorder(), r)
			hijackClose(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// A pack whose upload went through but whose answer was lost is not an
// error: the retry's If-None-Match finds the pack there, as sent.
func TestPushRetryFindsItsOwnPack(t *testing.T) {
	srv := s3test.Start(t)
	a := newFixture(t)
	many(t, a, 5)
	env := srv.Env()
	env[remote.TestWorkFactorEnv] = "10"
	openTestRemote(t, srv, "pw")
	r, err := remote.Open(context.Background(), remote.Options{URL: "s3://hatch/laptop", Endpoint: dropProxy(t, srv.Endpoint),
		Passphrase: []byte("pw"), Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	if res := push(t, a, r); res.Uploaded != 5 {
		t.Fatalf("push: %+v", res)
	}
	checkRemoteHolds(t, srv, a)
}

// A local backup that fails its sha256 is not pushed, and neither is a
// delta whose base it is (it would not decode); the rest goes up.
func TestPushSkipsDamaged(t *testing.T) {
	srv := s3test.Start(t)
	a, _ := packFixture(t, 6)
	var newest Backup
	for _, b := range a.all() {
		if b.Host == "cursor" {
			newest = b
			break
		}
	}
	if newest.Compression != "none" {
		t.Fatalf("newest is %s", newest.Compression)
	}
	data, err := os.ReadFile(newest.Path)
	if err != nil {
		t.Fatal(err)
	}
	data[10] ^= 1
	if err := os.WriteFile(newest.Path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	defer func() {
		// Mended, for the fixture's closing check of the store.
		data[10] ^= 1
		if err := os.WriteFile(newest.Path, data, 0o600); err != nil {
			t.Error(err)
		}
	}()
	deltas := 0
	for _, b := range a.all() {
		if b.Compression == "delta" && b.Base == newest.Timestamp {
			deltas++
		}
	}
	if deltas == 0 {
		t.Fatal("no delta against the newest")
	}
	res := push(t, a, openTestRemote(t, srv, "pw"))
	if res.Damaged < 1+deltas || res.Uploaded+res.Damaged != 46 {
		t.Fatalf("push: %+v (%d deltas against the damaged one)", res, deltas)
	}
}
