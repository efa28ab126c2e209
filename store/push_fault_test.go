package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
)

// smallPacks makes packs of about 1 KiB (a few backups each) for the
// test, so that a push of tens of backups sends many packs.
func smallPacks(t *testing.T) {
	t.Cleanup(remote.SetPackTargetForTest(1 << 10))
}

// many makes n backups of cursor in f, each a distinct config.
func many(t *testing.T, f *fixture, n int) {
	t.Helper()
	st := f.open()
	defer st.Close()
	for i := range n {
		p := f.config("m.json", fmt.Appendf(nil, `{"mcpServers":{"n%d":{}}}`, i))
		if _, err := st.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p}); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRemoteHolds pulls everything into a fresh store and compares.
func checkRemoteHolds(t *testing.T, srv *s3test.Server, a *fixture) {
	t.Helper()
	b := newFixture(t)
	res, err := pull(b, openTestRemote(t, srv, "pw"))
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if want := len(a.all()); res.Downloaded != want {
		t.Fatalf("pulled %d, want %d", res.Downloaded, want)
	}
	same(t, a.all(), b.all())
}

// The server dies mid-push: the push fails naming the endpoint; after a
// restart the next push completes, and the remote holds every backup once.
func TestPushServerStopsMidway(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server: cannot stop it")
	}
	smallPacks(t)
	a := newFixture(t)
	many(t, a, 60)
	r := openTestRemote(t, srv, "pw")
	var stopped sync.Once
	st := a.open()
	_, err := st.Push(context.Background(), r, PushOptions{Progress: func(done, _ int) {
		if done >= 20 {
			stopped.Do(srv.Stop)
		}
	}})
	st.Close()
	if !errors.Is(err, remote.ErrUnreachable) || !strings.Contains(err.Error(), srv.Endpoint) {
		t.Fatalf("push with the server gone: %v", err)
	}
	srv.StartAgain()
	res := push(t, a, openTestRemote(t, srv, "pw"))
	if res.Uploaded+res.Skipped != 60 {
		t.Fatalf("resumed push: %+v", res)
	}
	if res := push(t, a, r); res.Uploaded != 0 {
		t.Fatalf("third push uploaded %d", res.Uploaded)
	}
	checkRemoteHolds(t, srv, a)
}

// stormProxy answers 503 to the first try of every request (each method
// and URL), and forwards the retry to the server: every request of a push
// and a pull meets a 5xx, and the S3 client's retries with backoff carry them
// through. (Failing every other request at random would now and then
// fail one request more often than the client retries: a flaky test.)
func stormProxy(t *testing.T, target string) (string, *atomic.Int64) {
	var failed atomic.Int64
	var seen sync.Map
	addr := testProxy(t, target, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if _, again := seen.LoadOrStore(r.Method+" "+r.URL.String(), true); !again {
			failed.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>storm</Message></Error>`)
			return
		}
		next.ServeHTTP(w, r)
	})
	return addr, &failed
}

// testProxy starts a server on 127.0.0.1 in front of target: handle sees
// every request, and next forwards one to target. It stops at the test's
// end.
func testProxy(t *testing.T, target string, handle func(w http.ResponseWriter, r *http.Request, next http.Handler)) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	next := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, next) }))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestPushPullThrough5xxStorm(t *testing.T) {
	srv := s3test.Start(t)
	proxy, failed := stormProxy(t, srv.Endpoint)
	env := srv.Env()
	env[remote.TestWorkFactorEnv] = "10"
	r, err := remote.Open(context.Background(), remote.Options{URL: "s3://hatch/laptop", Endpoint: proxy,
		Passphrase: []byte("pw"), Create: true, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	smallPacks(t)
	a := newFixture(t)
	many(t, a, 20)
	if res := push(t, a, r); res.Uploaded != 20 {
		t.Fatalf("push: %+v", res)
	}
	if failed.Load() < 5 {
		t.Fatalf("the proxy failed %d requests, want one per pack at least", failed.Load())
	}
	b := newFixture(t)
	if res, err := pull(b, r); err != nil || res.Downloaded != 20 {
		t.Fatalf("pull through the storm: %+v %v", res, err)
	}
	checkRemoteHolds(t, srv, a)
}

// Two machines push to one remote at once: nothing is lost, and a pull
// gets the backups of both.
func TestTwoMachinesPushAtOnce(t *testing.T) {
	srv := s3test.Start(t)
	openTestRemote(t, srv, "pw")
	a, b := newFixture(t), newFixture(t)
	many(t, a, 15)
	b.create("zed", b.config("z.json", []byte(`{"context_servers":{}}`)))
	var wg sync.WaitGroup
	for _, f := range []*fixture{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := f.open()
			defer st.Close()
			if _, err := st.Push(context.Background(), openTestRemote(t, srv, "pw"), PushOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c := newFixture(t)
	res, err := pull(c, openTestRemote(t, srv, "pw"))
	if err != nil || res.Downloaded != 16 {
		t.Fatalf("pull: %+v %v", res, err)
	}
}

// An interrupted push records what went up before it returns: the next
// push uploads only the rest.
func TestPushInterruptedResumes(t *testing.T) {
	srv := s3test.Start(t)
	smallPacks(t)
	a := newFixture(t)
	many(t, a, 60)
	r := openTestRemote(t, srv, "pw")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := a.open()
	res, err := st.Push(ctx, r, PushOptions{Progress: func(done, _ int) {
		if done >= 20 {
			cancel()
		}
	}})
	st.Close()
	if !errors.Is(err, context.Canceled) || res.Uploaded < 20 || res.Uploaded == 60 {
		t.Fatalf("interrupted push: %+v, %v", res, err)
	}
	again := push(t, a, r)
	if again.Skipped != res.Uploaded || again.Uploaded != 60-res.Uploaded {
		t.Fatalf("resumed push: %+v after %+v", again, res)
	}
	checkRemoteHolds(t, srv, a)
}
