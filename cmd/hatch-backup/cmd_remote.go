package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/hatch-backup/hatch-backup/store"
)

// remoteFlags are the flags of every command that reaches the remote.
func remoteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "remote", Usage: "the remote, `s3://BUCKET/PREFIX` (default $HATCH_REMOTE)"},
		&cli.StringFlag{Name: "endpoint", Usage: "S3 endpoint `URL` for anything but AWS (default $HATCH_S3_ENDPOINT)"},
		&cli.StringFlag{Name: "password-file", Usage: "read the passphrase from `FILE` (default $HATCH_PASSWORD_FILE, else $HATCH_PASSWORD, else asked)"},
		&cli.BoolFlag{Name: "no-key-cache", Usage: "keep no key cache in the root (and remove one): every run pays the passphrase's full scrypt (or set HATCH_NO_KEY_CACHE=1)"},
	}
}

const remoteHelp = `
The remote is s3://BUCKET/PREFIX (--remote or $HATCH_REMOTE); --endpoint or
$HATCH_S3_ENDPOINT names the server for anything but AWS. Credentials come
from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and
AWS_REGION, or the AWS shared credentials file. The passphrase comes from
--password-file, $HATCH_PASSWORD_FILE or $HATCH_PASSWORD, else it is asked
on the terminal (not echoed). Everything is encrypted before it leaves.
Once a passphrase has opened a remote, its key is kept in <root>/remote,
sealed under the passphrase with a cheap scrypt, so later runs skip the
slow one (the passphrase is still needed); --no-key-cache or
HATCH_NO_KEY_CACHE=1 keeps none. A wrong passphrase or a tampered remote
is exit 3; an unreachable endpoint or refused credentials is exit 1.`

// openRemote opens the remote the flags and environment name. create:
// make the bucket and key when missing (push).
func (a *app) openRemote(c *cli.Context, create bool) (*store.Remote, error) {
	url := c.String("remote")
	if url == "" {
		url = a.getenv("HATCH_REMOTE")
	}
	if url == "" {
		return nil, usagef("no remote: give --remote s3://BUCKET/PREFIX or set HATCH_REMOTE")
	}
	if err := store.CheckRemoteURL(url); err != nil {
		return nil, usagef("%v", err)
	}
	endpoint := c.String("endpoint")
	if endpoint == "" {
		endpoint = a.getenv("HATCH_S3_ENDPOINT")
	}
	root, err := a.root(c)
	if err != nil {
		return nil, err
	}
	noCoreDumps()
	pass, err := a.passphrase(c)
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	r, err := store.OpenRemote(c.Context, store.RemoteOptions{URL: url, Endpoint: endpoint, Passphrase: pass, Create: create, Getenv: a.getenv,
		Cache: store.RemoteCache(root), NoKeyCache: c.Bool("no-key-cache") || envOn(a.getenv("HATCH_NO_KEY_CACHE"))})
	if errors.Is(err, store.ErrRemoteURL) {
		return nil, usagef("%v", err)
	}
	return r, err
}

// passphrase reads the passphrase: --password-file, HATCH_PASSWORD_FILE,
// HATCH_PASSWORD, else the terminal without echo. It is never part of an
// error.
func (a *app) passphrase(c *cli.Context) ([]byte, error) {
	file := c.String("password-file")
	if file == "" {
		file = a.getenv("HATCH_PASSWORD_FILE")
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("password file %s: %w (%w)", file, err, store.ErrInvalid)
		}
		b = bytes.TrimRight(b, "\r\n")
		if len(b) == 0 {
			return nil, usagef("password file %s is empty", file)
		}
		return b, nil
	}
	if p := a.getenv("HATCH_PASSWORD"); p != "" {
		return []byte(p), nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil, usagef("no passphrase: give --password-file FILE or set HATCH_PASSWORD_FILE or HATCH_PASSWORD")
	}
	fmt.Fprint(a.stderr, "passphrase for the remote: ")
	b, err := term.ReadPassword(fd)
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %w", err)
	}
	if len(b) == 0 {
		return nil, usagef("empty passphrase")
	}
	return b, nil
}

// bareRemote lets `verify --remote` and `clean --remote` (and push and
// pull) take the remote from HATCH_REMOTE: a --remote with no value
// after it becomes --remote=$HATCH_REMOTE. Without HATCH_REMOTE it stays
// as it is, and the flag parser says it needs a value.
func bareRemote(args []string, getenv func(string) string) []string {
	env := getenv("HATCH_REMOTE")
	if env == "" {
		return args
	}
	out := slices.Clone(args)
	for i := 1; i < len(out); i++ {
		if out[i] == "--" {
			break
		}
		if (out[i] == "--remote" || out[i] == "-remote") && (i+1 == len(out) || strings.HasPrefix(out[i+1], "-")) {
			out[i] = "--remote=" + env
		}
	}
	return out
}

// envOn reads a yes/no variable: set and not 0, false or no.
func envOn(v string) bool {
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false
	}
	return true
}
