package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/hatch-backup/hatch-backup/remote/s3test"
	"github.com/hatch-backup/hatch-backup/store"
)

// gateway is the S3 server the remote steps run against: the Versity S3
// Gateway on loopback over a folder of the work folder.
type gateway struct {
	endpoint string
	cmd      *exec.Cmd
}

func startGateway(dir string) (*gateway, error) {
	bin := s3test.Binary()
	if bin == "" {
		return nil, fmt.Errorf("no versitygw %s (see .ci/run)", s3test.Version)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	data := filepath.Join(dir, "s3")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--access", "benchaccess", "--secret", "benchsecret0123456789", "--port", addr, "posix", data)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &gateway{endpoint: "http://" + addr, cmd: cmd}
	for range 600 {
		if resp, err := http.Get(g.endpoint + "/"); err == nil {
			resp.Body.Close()
			return g, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.stop()
	return nil, fmt.Errorf("versitygw did not start on %s", addr)
}

func (g *gateway) stop() {
	_ = g.cmd.Process.Kill()
	_ = g.cmd.Wait()
}

// remote measures push and pull of 10,000 backups of 5 KB against the S3
// gateway on loopback: push against uploading the same files one at a
// time with the same client (bench/s3put), a push with nothing new
// against list --limit 1 (with the key cache a push leaves, and with
// --no-key-cache), and a pull onto an empty store against the push. The
// passphrase's scrypt runs at age's default cost, as for a user.
func (b *bench) remote(n int) func() error {
	return func() error {
		g, err := startGateway(b.dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: skipping push and pull:", err)
			return nil
		}
		defer g.stop()
		for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "benchaccess", "AWS_SECRET_ACCESS_KEY": "benchsecret0123456789",
			"AWS_REGION": "us-east-1", "HATCH_S3_ENDPOINT": g.endpoint, "HATCH_PASSWORD": "bench passphrase"} {
			os.Setenv(k, v)
		}
		root := filepath.Join(b.dir, "remote-src")
		if err := store.Generate(store.GenSpec{Root: root, N: n, Hosts: []string{"cursor"}, Files: true}); err != nil {
			return err
		}
		s3put := filepath.Join(b.dir, "s3put")
		if out, err := exec.Command("go", "build", "-o", s3put, "./bench/s3put").CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./bench/s3put: %v\n%s", err, out)
		}
		runs := b.runs
		defer func() { b.runs = runs }()
		b.runs = min(runs, 3)
		one := fmt.Sprintf("upload %d files one at a time (baseline)", n)
		push := fmt.Sprintf("push of %d to an empty remote", n)
		known := fmt.Sprintf("push of %d to an empty remote whose key this machine has", n)
		// The second push goes to remotes made beforehand (each one's key
		// file written by a push of an empty store, its key cache copied
		// into root): the push itself, without the new remote's one
		// scrypt at age's default cost.
		if err := b.knownRemotes(root, b.runs); err != nil {
			return err
		}
		err = b.measureTogether(
			timed{one, "", func(i int) *exec.Cmd {
				return exec.Command(s3put, g.endpoint, "plain", fmt.Sprintf("run%d", i), filepath.Join(root, "cursor"))
			}},
			timed{push, one, func(i int) *exec.Cmd {
				return b.hatch(root, "push", "--remote", fmt.Sprintf("s3://bench/run%d", i))
			}},
			timed{known, one, func(i int) *exec.Cmd {
				return b.hatch(root, "push", "--remote", fmt.Sprintf("s3://bench/known%d", i))
			}},
		)
		if err != nil {
			return err
		}
		// A push with nothing new, in turns with list --limit 1: with the
		// key cache the push of 10,000 left in the root (the passphrase
		// through a cheap scrypt, the catalogue unchanged: one LIST), and
		// with --no-key-cache (age's scrypt at its default cost every run)
		// to another remote, so that the two do not undo each other.
		list := "list --limit 1 (baseline)"
		b.runs = min(runs, 11)
		err = b.measureTogether(
			timed{list, "", func(int) *exec.Cmd { return b.hatch(root, "list", "--limit", "1") }},
			timed{"push with nothing new, key cached", list, func(int) *exec.Cmd {
				return b.hatch(root, "push", "--remote", "s3://bench/run0")
			}},
			timed{"push with nothing new, --no-key-cache", list, func(int) *exec.Cmd {
				return b.hatch(root, "push", "--remote", fmt.Sprintf("s3://bench/run%d", min(1, runs-1)), "--no-key-cache")
			}},
		)
		if err != nil {
			return err
		}
		b.runs = min(runs, 3)
		return b.measure(fmt.Sprintf("pull of %d onto an empty store", n), push, func(i int) *exec.Cmd {
			return b.hatch(filepath.Join(b.dir, fmt.Sprintf("pulled%d", i)), "pull", "--remote", "s3://bench/run0")
		})
	}
}

// knownRemotes makes the remotes s3://bench/known0.. (a push of an empty
// store writes each one's key file) and copies their key caches into
// root, as on a machine that has used them before.
func (b *bench) knownRemotes(root string, n int) error {
	empty := filepath.Join(b.dir, "remote-empty")
	if err := os.MkdirAll(empty, 0o700); err != nil { // the cache needs the root
		return err
	}
	for i := range n {
		if out, err := b.hatch(empty, "push", "--remote", fmt.Sprintf("s3://bench/known%d", i)).CombinedOutput(); err != nil {
			return fmt.Errorf("push of an empty store: %v\n%s", err, out)
		}
	}
	keys, err := filepath.Glob(filepath.Join(empty, "remote", "*.key"))
	if err != nil || len(keys) != n {
		return fmt.Errorf("key caches of the known remotes: %d of %d, %v", len(keys), n, err)
	}
	if err := os.MkdirAll(filepath.Join(root, "remote"), 0o700); err != nil {
		return err
	}
	for _, k := range keys {
		data, err := os.ReadFile(k)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(root, "remote", filepath.Base(k)), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
