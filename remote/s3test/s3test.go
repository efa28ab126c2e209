// Package s3test starts a real S3 server for tests: the Versity S3
// Gateway (Apache-2.0) over a temp folder with its posix backend, on a
// free loopback port. It is never a mock: push and pull meet the same
// protocol as on AWS.
//
// The binary is looked up in $HATCH_VERSITYGW, else in
// ${XDG_CACHE_HOME:-$HOME/.cache}/hatch-backup-ci/versitygw-v1.8.0 (where
// .ci/run installs it), else on $PATH. Without it a test is skipped with
// a message saying how to install it, unless HATCH_REQUIRE_S3 is set
// (CI), where it fails.
//
// HATCH_S3_TEST_ENDPOINT (with AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY) points the tests at a server already running
// instead, such as SeaweedFS's S3 gateway; then Stop/Start are skipped.
package s3test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Version is the gateway release the tests run against.
const Version = "v1.8.0"

// Server is a running gateway.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	dir, bin  string
	addr      string
	cmd       *exec.Cmd
	t         testing.TB
}

// Binary returns the gateway's path, or "" when it is not installed.
func Binary() string {
	if p := os.Getenv("HATCH_VERSITYGW"); p != "" {
		return p
	}
	if runtime.GOOS == "windows" {
		// The cache holds the CI machine's Linux build (the Windows
		// tests run under Wine there): not a program Windows can start.
		return ""
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if h, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(h, ".cache")
		}
	}
	p := filepath.Join(cache, "hatch-backup-ci", "versitygw-"+Version, "versitygw")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	return ""
}

// Start starts a gateway for t and stops it at t's end.
func Start(t testing.TB) *Server {
	t.Helper()
	if ep := os.Getenv("HATCH_S3_TEST_ENDPOINT"); ep != "" {
		return &Server{Endpoint: ep, AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY"), t: t}
	}
	bin := Binary()
	if bin == "" {
		msg := "no S3 server: install it with `GOBIN=${XDG_CACHE_HOME:-$HOME/.cache}/hatch-backup-ci/versitygw-" + Version +
			" go install github.com/versity/versitygw/cmd/versitygw@" + Version + "` (or run .ci/run)"
		if os.Getenv("HATCH_REQUIRE_S3") != "" && runtime.GOOS != "windows" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{AccessKey: "hatchtestaccess", SecretKey: "hatchtestsecret0123456789", dir: t.TempDir(), bin: bin, t: t}
	s.StartAgain()
	t.Cleanup(s.Stop)
	return s
}

// Stop kills the gateway (a server that goes away mid-transfer).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// StartAgain starts a stopped gateway on the same port and folder.
func (s *Server) StartAgain() {
	s.t.Helper()
	if s.bin == "" {
		return
	}
	if s.addr == "" {
		s.addr = freeAddr(s.t)
		s.Endpoint = "http://" + s.addr
	}
	cmd := exec.Command(s.bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", s.addr, "posix", s.dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=", "ROOT_SECRET_KEY=")
	log, err := os.Create(filepath.Join(s.t.TempDir(), "versitygw.log"))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(log.Name())
	s.t.Fatalf("S3 server on %s did not start: %s", s.addr, b)
}

// Dir is the posix backend's folder: BUCKET/KEY files, for tests that
// tamper with objects behind the server's back.
func (s *Server) Dir() string { return s.dir }

// Env is the AWS_* environment for a client of s.
func (s *Server) Env() map[string]string {
	return map[string]string{"AWS_ACCESS_KEY_ID": s.AccessKey, "AWS_SECRET_ACCESS_KEY": s.SecretKey, "AWS_REGION": "us-east-1"}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// String names the server in test logs.
func (s *Server) String() string { return fmt.Sprintf("S3 gateway at %s", s.Endpoint) }
