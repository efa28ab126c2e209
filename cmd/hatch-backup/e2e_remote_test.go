package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hatch-backup/hatch-backup/remote/s3test"
	"github.com/hatch-backup/hatch-backup/store"
)

const testPassphrase = "pass-phrase-NEVER-SHOWN-42"

// remoteEnv is a fake user whose environment points at srv.
func remoteEnv(t *testing.T, srv *s3test.Server, pass string) *testEnv {
	e := newEnv(t)
	for k, v := range srv.Env() {
		e.vars = append(e.vars, k+"="+v)
	}
	e.vars = append(e.vars, "HATCH_REMOTE=s3://hatch/home", "HATCH_S3_ENDPOINT="+srv.Endpoint,
		"HATCH_PASSWORD="+pass, store.RemoteTestWorkFactorEnv+"=10")
	return e
}

// noSecrets fails when a run showed the passphrase or the S3 secret.
func noSecrets(t *testing.T, srv *s3test.Server, r result) {
	t.Helper()
	for _, s := range []string{testPassphrase, srv.SecretKey} {
		if strings.Contains(r.stdout+r.stderr, s) {
			t.Fatalf("output shows a secret:\n%s", r)
		}
	}
}

func TestPushPullAcrossMachines(t *testing.T) {
	srv := s3test.Start(t)
	a := remoteEnv(t, srv, testPassphrase)
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "two", 0o600)
	a.must(0, "create", "--host", "cursor", "--compress")

	var pushed pushJSON
	r := a.must(0, "push", "--json")
	noSecrets(t, srv, r)
	if err := json.Unmarshal([]byte(r.stdout), &pushed); err != nil || pushed.Uploaded != 2 || pushed.Skipped != 0 || pushed.Bytes == 0 {
		t.Fatalf("push: %+v %v\n%s", pushed, err, r)
	}
	r = a.must(0, "push", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &pushed); err != nil || pushed.Uploaded != 0 || pushed.Skipped != 2 {
		t.Fatalf("second push: %+v %v", pushed, err)
	}

	b := remoteEnv(t, srv, testPassphrase)
	var pulled pullJSON
	r = b.must(0, "pull", "--json")
	noSecrets(t, srv, r)
	if err := json.Unmarshal([]byte(r.stdout), &pulled); err != nil || pulled.Downloaded != 2 || pulled.Skipped != 0 {
		t.Fatalf("pull: %+v %v\n%s", pulled, err, r)
	}
	la, lb := a.listJSON(), b.listJSON()
	if len(la) != 2 || len(lb) != 2 {
		t.Fatalf("lists: %d and %d", len(la), len(lb))
	}
	for i := range la {
		if la[i].Hostname != lb[i].Hostname || la[i].Timestamp != lb[i].Timestamp || *la[i].OriginalConfigPath != *lb[i].OriginalConfigPath || la[i].SHA256 != lb[i].SHA256 {
			t.Fatalf("pulled %+v, want %+v", lb[i], la[i])
		}
	}
	b.must(0, "verify")
	r = b.must(0, "verify", "--remote", "--json") // the remote from HATCH_REMOTE
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Checked != 2 || len(v.Problems) != 0 {
		t.Fatalf("verify --remote: %+v %v", v, err)
	}
	r = b.must(0, "pull", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &pulled); err != nil || pulled.Downloaded != 0 || pulled.Skipped != 2 {
		t.Fatalf("second pull: %+v %v", pulled, err)
	}
}

func TestPullWrongPassphrase(t *testing.T) {
	srv := s3test.Start(t)
	a := remoteEnv(t, srv, testPassphrase)
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	b := remoteEnv(t, srv, "not-"+testPassphrase)
	r := b.must(3, "pull")
	if !strings.Contains(r.stderr, "wrong passphrase") {
		t.Fatalf("%s", r)
	}
	if _, err := os.Stat(b.root); !os.IsNotExist(err) {
		t.Fatalf("pull with a wrong passphrase made %s", b.root)
	}
	// From a file, too; and never shown.
	pf := filepath.Join(b.home, "pass")
	if err := os.WriteFile(pf, []byte(testPassphrase+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = b.must(2, "pull", "--password-file", pf+"-missing")
	if !strings.Contains(r.stderr, pf+"-missing") {
		t.Fatalf("%s", r)
	}
	r = b.must(0, "pull", "--password-file", pf)
	noSecrets(t, srv, r)
}

func TestRemoteUnreachableAndRefused(t *testing.T) {
	srv := s3test.Start(t)
	e := remoteEnv(t, srv, testPassphrase)
	r := e.must(1, "push", "--endpoint", "http://127.0.0.1:1")
	if !strings.Contains(r.stderr, "127.0.0.1:1") {
		t.Fatalf("%s", r)
	}
	e.vars = append(e.vars, "AWS_SECRET_ACCESS_KEY=wrong-secret-SHOWN-NOWHERE")
	r = e.must(1, "push")
	if !strings.Contains(r.stderr, srv.Endpoint) || strings.Contains(r.stderr, "wrong-secret-SHOWN-NOWHERE") {
		t.Fatalf("%s", r)
	}
	e.must(2, "push", "--remote", "http://bucket/p")
}

// A truncated object: pull is exit 3 and writes nothing; verify --remote
// names it.
func TestPullTamperedObject(t *testing.T) {
	srv := s3test.Start(t)
	if srv.Dir() == "" {
		t.Skip("external server")
	}
	a := remoteEnv(t, srv, testPassphrase)
	a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), "one", 0o600)
	a.must(0, "create", "--host", "cursor")
	a.must(0, "push")
	objs, _ := filepath.Glob(filepath.Join(srv.Dir(), "hatch", "home", "data", "*"))
	if len(objs) != 1 {
		t.Fatalf("objects: %v", objs)
	}
	data, _ := os.ReadFile(objs[0])
	if err := os.WriteFile(objs[0], data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	b := remoteEnv(t, srv, testPassphrase)
	b.must(3, "pull")
	if _, err := os.Stat(b.root); !os.IsNotExist(err) {
		t.Fatal("a failed pull made the backup root")
	}
	r := b.must(3, "verify", "--remote", "s3://hatch/home")
	if !strings.Contains(r.stdout, "remote-damaged") {
		t.Fatalf("%s", r)
	}
}

func TestCleanRemoteCommand(t *testing.T) {
	srv := s3test.Start(t)
	a := remoteEnv(t, srv, testPassphrase)
	for _, tag := range []string{"one", "two", "three"} {
		a.writeConfig(filepath.Join(a.home, ".cursor", "mcp.json"), tag, 0o600)
		a.must(0, "create", "--host", "cursor")
	}
	a.must(0, "push")
	before := snapshot(t, a.root)
	r := a.must(0, "clean", "--remote", "s3://hatch/home", "--keep-count", "1", "--json")
	var out cleanJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Removed) != 2 || len(out.Kept) != 1 {
		t.Fatalf("clean --remote: %+v %v\n%s", out, err, r)
	}
	sameSnapshot(t, "local store after clean --remote", withoutRemoteCache(a, before), withoutRemoteCache(a, snapshot(t, a.root)))
	r = a.must(0, "verify", "--remote", "s3://hatch/home", "--json")
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Checked != 1 {
		t.Fatalf("verify --remote after clean: %+v %v", v, err)
	}
	b := remoteEnv(t, srv, testPassphrase)
	b.must(0, "pull")
	if n := len(b.listJSON()); n != 1 {
		t.Fatalf("pulled %d backups after clean, want 1", n)
	}
}

// Bad input is exit 2 before anything is reached: an unknown host, no
// remote, no passphrase (stdin is no terminal), a dry-run changes nothing.
func TestRemoteBadInput(t *testing.T) {
	srv := s3test.Start(t)
	e := remoteEnv(t, srv, testPassphrase)
	e.must(2, "pull", "--host", "nosuch-host")
	bare := newEnv(t)
	for k, v := range srv.Env() {
		bare.vars = append(bare.vars, k+"="+v)
	}
	if r := bare.must(2, "push"); !strings.Contains(r.stderr, "HATCH_REMOTE") {
		t.Fatalf("%s", r)
	}
	if r := bare.must(2, "push", "--remote", "s3://hatch/home", "--endpoint", srv.Endpoint); !strings.Contains(r.stderr, "passphrase") {
		t.Fatalf("%s", r)
	}
	e.writeConfig(filepath.Join(e.home, ".cursor", "mcp.json"), "one", 0o600)
	e.must(0, "create", "--host", "cursor")
	e.writeConfig(filepath.Join(e.home, ".cursor", "mcp.json"), "two", 0o600)
	e.must(0, "create", "--host", "cursor")
	e.must(0, "push")
	e.must(0, "clean", "--keep-count", "1", "--dry-run", "--remote")
	r := e.must(0, "verify", "--remote", "s3://hatch/home", "--json")
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v.Checked != 2 {
		t.Fatalf("after a dry run: %+v %v", v, err)
	}
}
