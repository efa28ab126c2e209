package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/remote/s3test"
)

// s3Proxy stands between the binary and the S3 server: it counts the
// requests, and can hold the uploads of backups until told.
type s3Proxy struct {
	URL  string
	mu   sync.Mutex
	reqs []string      // "METHOD PATH?QUERY"
	hold chan struct{} // when set, data/ uploads wait until it is closed
	held chan struct{} // closed by the first upload held
	once sync.Once
}

func newS3Proxy(t *testing.T, target string) *s3Proxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &s3Proxy{held: make(chan struct{})}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.reqs = append(p.reqs, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		hold := p.hold
		p.mu.Unlock()
		if hold != nil && r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/data/") {
			p.once.Do(func() { close(p.held) })
			<-hold
		}
		rp.ServeHTTP(w, r)
	}))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// take returns the requests seen since the last take.
func (p *s3Proxy) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.reqs
	p.reqs = nil
	return r
}

// segmentGETs counts the GETs of catalogue segments (not the listing).
func segmentGETs(reqs []string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, "GET /hatch/home/cat/") {
			n++
		}
	}
	return n
}

// cachedEnv is remoteEnv reaching the server through a counting proxy.
func cachedEnv(t *testing.T, srv *s3test.Server, pass string) (*testEnv, *s3Proxy) {
	p := newS3Proxy(t, srv.Endpoint)
	e := remoteEnv(t, srv, pass)
	e.vars = append(e.vars, "HATCH_S3_ENDPOINT="+p.URL)
	return e, p
}

// cacheFile is the one file of kind (".key", ".cat", ".seen") in e's
// remote cache; "" when there is none.
func cacheFile(t *testing.T, e *testEnv, kind string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(e.root, "remote", "*"+kind))
	if len(m) > 1 {
		t.Fatalf("cache files %v", m)
	}
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withoutRemoteCache drops the remote cache's files from a snapshot of
// e's root: a command that reads the remote may update them.
func withoutRemoteCache(e *testEnv, snap map[string]string) map[string]string {
	out := map[string]string{}
	for p, v := range snap {
		if !strings.HasPrefix(p, filepath.Join(e.root, "remote")) {
			out[p] = v
		}
	}
	return out
}

func pushed(t *testing.T, r result) pushJSON {
	t.Helper()
	var p pushJSON
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("push --json: %v\n%s", err, r)
	}
	return p
}

// The second push of a machine opens the key from the key cache (no
// scrypt of age's, the cache file is not rewritten), reads the catalogue
// from the catalogue cache (no GET of a segment), and a push with nothing
// new is a GET of the key file and one LIST.
func TestPushUsesLocalCaches(t *testing.T) {
	srv := s3test.Start(t)
	a, px := cachedEnv(t, srv, testPassphrase)
	cfg := filepath.Join(a.home, ".cursor", "mcp.json")
	a.writeConfig(cfg, "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	key := cacheFile(t, a, ".key")
	if key == "" || cacheFile(t, a, ".cat") == "" || cacheFile(t, a, ".seen") == "" {
		t.Fatalf("no cache after a push: %v", snapshot(t, filepath.Join(a.root, "remote")))
	}
	if unixModes {
		if m := mode(t, filepath.Dir(key)); m.Perm() != 0o700 {
			t.Fatalf("cache folder mode %v", m)
		}
		for _, k := range []string{".key", ".cat", ".seen"} {
			if m := mode(t, cacheFile(t, a, k)); m.Perm() != 0o600 {
				t.Fatalf("cache file %s mode %v", k, m)
			}
		}
	}
	keyBefore := readFile(t, key)

	a.writeConfig(cfg, "two", 0o600)
	a.must(0, "create", "--host", "cursor")
	px.take()
	if p := pushed(t, a.must(0, "push", "--json")); p.Uploaded != 1 || p.Skipped != 1 {
		t.Fatalf("second push: %+v", p)
	}
	if reqs := px.take(); segmentGETs(reqs) != 0 {
		t.Fatalf("second push read segments from the remote: %v", reqs)
	}
	if !bytes.Equal(readFile(t, key), keyBefore) {
		t.Fatal("the key cache was rewritten: the second push went through age's scrypt")
	}
	a.must(0, "push")
	px.take()
	if p := pushed(t, a.must(0, "push", "--json")); p.Uploaded != 0 || p.Skipped != 2 {
		t.Fatalf("push with nothing new: %+v", p)
	}
	reqs := px.take()
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0], "GET /hatch/home/config") || !strings.Contains(reqs[1], "list-type=2") {
		t.Fatalf("push with nothing new made %v, want a GET of the key file and one LIST", reqs)
	}
	// The cache folder is no stranger to verify; pull and verify --remote
	// on this machine read the cached segments too.
	a.must(0, "verify")
	a.must(0, "verify", "--remote")
	if reqs := px.take(); segmentGETs(reqs) != 0 {
		t.Fatalf("verify --remote read segments from the remote: %v", reqs)
	}

	// --no-key-cache removes the key cache and writes none; the variable
	// does the same.
	a.must(0, "push", "--no-key-cache")
	if k := cacheFile(t, a, ".key"); k != "" {
		t.Fatalf("--no-key-cache left %s", k)
	}
	a.vars = append(a.vars, "HATCH_NO_KEY_CACHE=1")
	a.must(0, "push")
	if k := cacheFile(t, a, ".key"); k != "" {
		t.Fatalf("HATCH_NO_KEY_CACHE=1 wrote %s", k)
	}
}

// A wrong passphrase is exit 3 with a key cache present, and changes
// nothing, not even the cache.
func TestKeyCacheWrongPassphrase(t *testing.T) {
	srv := s3test.Start(t)
	a, _ := cachedEnv(t, srv, testPassphrase)
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	before := snapshot(t, a.root)
	wrong := *a
	wrong.vars = append(append([]string(nil), a.vars...), "HATCH_PASSWORD=not-"+testPassphrase)
	for _, cmd := range [][]string{{"push"}, {"pull"}, {"verify", "--remote"}} {
		r := wrong.must(3, cmd...)
		if !strings.Contains(r.stderr, "wrong passphrase") {
			t.Fatalf("%v: %s", cmd, r)
		}
		noSecrets(t, srv, r)
	}
	sameSnapshot(t, "a wrong passphrase", before, snapshot(t, a.root))
}

// Cache files that do not authenticate are ignored: the run goes through
// age's scrypt and the remote's segments, and succeeds.
func TestRemoteCacheTampered(t *testing.T) {
	srv := s3test.Start(t)
	a, px := cachedEnv(t, srv, testPassphrase)
	cfg := filepath.Join(a.home, ".cursor", "mcp.json")
	a.writeConfig(cfg, "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	flip := func(p string) []byte {
		b := readFile(t, p)
		b[len(b)-3] ^= 0x40
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return b
	}
	key := cacheFile(t, a, ".key")
	tampered := flip(key)
	flip(cacheFile(t, a, ".cat"))
	flip(cacheFile(t, a, ".seen"))
	a.writeConfig(cfg, "two", 0o600)
	a.must(0, "create", "--host", "cursor")
	px.take()
	if p := pushed(t, a.must(0, "push", "--json")); p.Uploaded != 1 || p.Skipped != 1 {
		t.Fatalf("push with a tampered cache: %+v", p)
	}
	if reqs := px.take(); segmentGETs(reqs) == 0 {
		t.Fatalf("the tampered catalogue cache was used: %v", reqs)
	}
	if bytes.Equal(readFile(t, key), tampered) {
		t.Fatal("the tampered key cache was not replaced")
	}
	b := remoteEnv(t, srv, testPassphrase)
	if n := len(b.listJSON()); n != 0 {
		t.Fatalf("fresh machine lists %d", n)
	}
	b.must(0, "pull")
	if n := len(b.listJSON()); n != 2 {
		t.Fatalf("pulled %d backups, want 2", n)
	}
}

// A catalogue segment deleted behind a machine that has seen it is exit 3
// for that machine, naming the segment; a machine that never read it
// cannot tell.
func TestRemoteLostSegmentDetected(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server: cannot delete behind its back")
	}
	a, _ := cachedEnv(t, srv, testPassphrase)
	cfg := filepath.Join(a.home, ".cursor", "mcp.json")
	a.writeConfig(cfg, "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	segs := func() map[string]bool {
		m, _ := filepath.Glob(filepath.Join(srv.Dir(), "hatch", "home", "cat", "*"))
		out := map[string]bool{}
		for _, p := range m {
			out[filepath.Base(p)] = true
		}
		return out
	}
	first := segs()
	a.writeConfig(cfg, "two", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	newest := ""
	for s := range segs() {
		if !first[s] {
			newest = s
		}
	}
	if newest == "" {
		t.Fatal("the second push wrote no segment")
	}
	if err := os.Remove(filepath.Join(srv.Dir(), "hatch", "home", "cat", newest)); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"push"}, {"pull"}} {
		r := a.must(3, cmd...)
		if !strings.Contains(r.stderr, "lost catalogue segments") || !strings.Contains(r.stderr, "cat/"+newest) {
			t.Fatalf("%v after the newest segment was deleted: %s", cmd, r)
		}
	}
	b := remoteEnv(t, srv, testPassphrase)
	b.must(0, "pull")
	if n := len(b.listJSON()); n != 1 {
		t.Fatalf("a new machine pulled %d backups, want the 1 the remote still names", n)
	}
}

// A remote deleted and made again at the same URL with another
// passphrase: the stale key cache does not open it (the old passphrase is
// wrong for it), and the new passphrase opens it without a false alarm
// from what this machine saw of the old one.
func TestRemoteCacheKeyFileChanged(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server: cannot delete behind its back")
	}
	a, _ := cachedEnv(t, srv, testPassphrase)
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	if err := os.RemoveAll(filepath.Join(srv.Dir(), "hatch", "home")); err != nil {
		t.Fatal(err)
	}
	const other = "another-pass-phrase-7"
	b := remoteEnv(t, srv, other)
	b.writeConfig(filepath.Join(b.home, ".cursor", "mcp.json"), "b", 0o600)
	b.must(0, "create", "--host", "cursor")
	b.must(0, "push")

	r := a.must(3, "push")
	if !strings.Contains(r.stderr, "wrong passphrase") {
		t.Fatalf("old passphrase on the new remote: %s", r)
	}
	a.vars = append(a.vars, "HATCH_PASSWORD="+other)
	if p := pushed(t, a.must(0, "push", "--json")); p.Uploaded != 1 {
		t.Fatalf("push with the new passphrase: %+v", p)
	}
	a.must(0, "pull")
	if n := len(a.listJSON()); n != 2 {
		t.Fatalf("after pull: %d backups, want 2", n)
	}
}

// push holds no store lock while it uploads: a create meanwhile succeeds
// at once, and the next push carries it.
func TestPushLetsCreateRunWhileUploading(t *testing.T) {
	srv := s3test.Start(t)
	a, px := cachedEnv(t, srv, testPassphrase)
	cfg := filepath.Join(a.home, ".cursor", "mcp.json")
	for _, tag := range []string{"one", "two", "three"} {
		a.writeConfig(cfg, tag, 0o600)
		a.must(0, "create", "--host", "cursor")
	}
	px.mu.Lock()
	px.hold = make(chan struct{})
	px.mu.Unlock()
	released := false
	release := func() {
		if !released {
			released = true
			close(px.hold)
		}
	}
	defer release()
	cmd := exec.Command(binPath, "push", "--json")
	var out, errb bytes.Buffer
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = a.vars, a.home, &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-px.held:
	case <-time.After(2 * time.Minute):
		t.Fatal("push never uploaded")
	}
	a.writeConfig(cfg, "four", 0o600)
	a.must(0, "create", "--host", "cursor", "--lock-timeout", "5s")
	release()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("push: %v\n%s%s", err, out.String(), errb.String())
	}
	if p := pushed(t, result{stdout: out.String()}); p.Uploaded != 3 {
		t.Fatalf("held push: %+v", p)
	}
	if p := pushed(t, a.must(0, "push", "--json")); p.Uploaded != 1 || p.Skipped != 3 {
		t.Fatalf("push after: %+v", p)
	}
}
