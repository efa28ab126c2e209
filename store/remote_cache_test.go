package store

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/remote"
	"github.com/hatch-backup/hatch-backup/remote/s3test"
)

// holdingProxy forwards to target but holds every upload of a backup
// until release is called; held is closed when the first one waits.
func holdingProxy(t *testing.T, target string) (string, <-chan struct{}, func()) {
	held, hold := make(chan struct{}), make(chan struct{})
	var first, once sync.Once
	addr := testProxy(t, target, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/data/") {
			first.Do(func() { close(held) })
			<-hold
		}
		next.ServeHTTP(w, r)
	})
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release) // before the proxy's Close, which waits for held requests
	return addr, held, release
}

// While a push with ReleaseLock uploads, the store is free: compact
// re-encodes the backups it has listed (new file names) and clean removes
// half of them. The push reads the re-encoded ones as they are now, skips
// the removed ones, and succeeds; every backup the store kept is on the
// remote, and what the remote holds pulls back intact.
func TestPushReleasesLockWhileUploading(t *testing.T) {
	// A pack a backup or two (each is under 40 bytes): the uploads held,
	// the push stops reading after its first packs, and reads the rest
	// after compact and clean.
	t.Cleanup(remote.SetPackTargetForTest(48))
	srv := s3test.Start(t)
	proxy, held, release := holdingProxy(t, srv.Endpoint)
	env := srv.Env()
	env[remote.TestWorkFactorEnv] = "10"
	r, err := remote.Open(context.Background(), remote.Options{URL: "s3://hatch/laptop", Endpoint: proxy, Parallel: 2,
		Passphrase: []byte("pw"), Create: true, Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	a := newFixture(t)
	many(t, a, 30)
	type outcome struct {
		res PushResult
		err error
	}
	done := make(chan outcome, 1)
	st := a.open(func(o *Options) { o.UpgradingReader = true })
	go func() {
		res, err := st.Push(context.Background(), r, PushOptions{ReleaseLock: true})
		done <- outcome{res, errors2(err, st.Close())}
	}()
	select {
	case <-held:
	case <-time.After(2 * time.Minute):
		t.Fatal("push never uploaded")
	}
	now := func(o *Options) { o.LockTimeout = 0 } // the lock must be free at once
	if _, err := a.compact(CompactOptions{}, now, func(o *Options) { o.Now = nil; o.Location = nil }); err != nil {
		t.Fatalf("compact while push uploads: %v", err)
	}
	st2 := a.open(now)
	if _, err := st2.Clean(context.Background(), CleanOptions{Policy: retentionKeepCount(15)}); err != nil {
		t.Fatalf("clean while push uploads: %v", err)
	}
	st2.Close()
	release()
	out := <-done
	if out.err != nil {
		t.Fatalf("push: %v (%+v)", out.err, out.res)
	}
	b := newFixture(t)
	pr, err := pull(b, r)
	if err != nil || pr.Downloaded != out.res.Uploaded {
		t.Fatalf("pull: %+v %v, push uploaded %d", pr, err, out.res.Uploaded)
	}
	pulled := map[string]bool{}
	for _, x := range b.all() {
		pulled[x.Host+x.Timestamp+string(x.SHA256[:])] = true
	}
	kept := a.all()
	if len(kept) != 15 {
		t.Fatalf("%d kept locally", len(kept))
	}
	for _, x := range kept {
		if !pulled[x.Host+x.Timestamp+string(x.SHA256[:])] {
			t.Fatalf("kept backup %s is not on the remote", x.Timestamp)
		}
	}
}

func errors2(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
