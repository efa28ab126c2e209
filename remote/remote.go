package remote

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Options say where the remote is and how to reach it.
type Options struct {
	// URL is s3://BUCKET[/PREFIX].
	URL string
	// Endpoint is the server's URL (http://127.0.0.1:9000); "" is AWS S3.
	Endpoint string
	// Passphrase opens (or, with Create, makes) the remote's key.
	Passphrase []byte
	// Create makes the bucket and the key file when missing (push).
	Create bool
	// Getenv reads the AWS_* variables; nil is os.Getenv.
	Getenv func(string) string
	// Parallel is how many objects move at once (default 16).
	Parallel int
	// Cache keeps what this machine remembers of the remote (see
	// Cache); nil keeps nothing.
	Cache Cache
	// NoKeyCache keeps no key cache (and removes one left by earlier
	// runs): every run pays age's scrypt.
	NoKeyCache bool
}

// Remote is an opened remote: its key is derived and its client ready.
type Remote struct {
	client   *S3
	bucket   string
	prefix   string // "" or "p/" (with the slash)
	endpoint string
	keys     keys
	parallel int
	local    *localCache
}

// maxObject bounds what is read of any object: a hostile bucket cannot
// make a pull hold gigabytes.
const maxObject = 80 << 20 // a 64 MiB config, padded

// ParseURL splits s3://BUCKET[/PREFIX] into bucket and prefix ("" or
// ending in "/").
func ParseURL(u string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(u, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w %q: want s3://BUCKET/PREFIX", ErrURL, u)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	prefix = strings.Trim(prefix, "/")
	if bucket == "" || strings.ContainsAny(bucket, " \\?#") {
		return "", "", fmt.Errorf("%w %q: want s3://BUCKET/PREFIX", ErrURL, u)
	}
	if prefix != "" {
		prefix += "/"
	}
	return bucket, prefix, nil
}

// Open connects to the remote and opens its key with the passphrase (one
// scrypt). With o.Create it makes the bucket and the key when missing.
func Open(ctx context.Context, o Options) (*Remote, error) {
	bucket, prefix, err := ParseURL(o.URL)
	if err != nil {
		return nil, err
	}
	c, endpoint, err := newClient(o)
	if err != nil {
		return nil, err
	}
	r := &Remote{client: c, bucket: bucket, prefix: prefix, endpoint: endpoint, parallel: o.Parallel}
	if r.parallel <= 0 {
		r.parallel = 16
	}
	r.local = newLocalCache(o, endpoint, bucket, prefix)
	wf, _ := strconv.Atoi(getenvOr(o.Getenv)(TestWorkFactorEnv))
	master, err := r.loadKey(ctx, o.Passphrase, o.Create, wf)
	if err != nil {
		return nil, err
	}
	if r.keys, err = deriveKeys(master); err != nil {
		return nil, err
	}
	return r, nil
}

// TestWorkFactorEnv names a variable that lowers age's scrypt work factor
// for a key file created while it is set. Tests only: the default (2^18,
// about a second) is what makes a guessed passphrase expensive. Opening
// reads the factor from the key file itself.
const TestWorkFactorEnv = "HATCH_INSECURE_TEST_SCRYPT_WORK_FACTOR"

func getenvOr(getenv func(string) string) func(string) string {
	if getenv == nil {
		return os.Getenv
	}
	return getenv
}

// Endpoint is the server the remote talks to, for messages.
func (r *Remote) Endpoint() string { return r.endpoint }

func newClient(o Options) (*S3, string, error) {
	getenv := getenvOr(o.Getenv)
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "", fmt.Errorf("%w: endpoint %q: want http(s)://HOST[:PORT]", ErrURL, endpoint)
	}
	creds, err := LoadCredentials(getenv)
	if err != nil {
		return nil, "", err
	}
	// Retries (jittered exponential backoff on 5xx, throttling and
	// network errors) are bounded so that a dead server fails in seconds.
	c := &S3{Endpoint: u.Scheme + "://" + u.Host, Region: getenv("AWS_REGION"), Creds: creds, MaxTries: 6}
	return c, endpoint, nil
}

// fail turns a client error into one that names the endpoint and says
// which kind of failure it is; it never holds a credential.
func (r *Remote) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	code := s3Code(err)
	switch code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken":
		return fmt.Errorf("%s at %s: %w (%s)", op, r.endpoint, ErrDenied, code)
	case "PreconditionFailed":
		return fmt.Errorf("%s at %s: %w", op, r.endpoint, ErrExist)
	case "":
		var ne net.Error
		var oe *net.OpError
		if errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(err.Error(), "connection refused") {
			return fmt.Errorf("%s: %w: %s", op, ErrUnreachable, r.endpoint)
		}
	}
	return fmt.Errorf("%s at %s: %v", op, r.endpoint, err)
}

func (r *Remote) ensureBucket(ctx context.Context) error {
	ok, err := r.client.BucketExists(ctx, r.bucket)
	if err != nil {
		return r.fail("bucket "+r.bucket, err)
	}
	if ok {
		return nil
	}
	err = r.client.MakeBucket(ctx, r.bucket)
	if err != nil {
		if c := s3Code(err); c == "BucketAlreadyOwnedByYou" || c == "BucketAlreadyExists" {
			return nil
		}
		return r.fail("create bucket "+r.bucket, err)
	}
	return nil
}

// put writes a new object; it never replaces one (If-None-Match: *).
func (r *Remote) put(ctx context.Context, name string, data []byte) error {
	return r.fail("upload", r.client.PutObject(ctx, r.bucket, r.prefix+name, data, true))
}

// get reads a whole object; a missing one is errNoObject.
func (r *Remote) get(ctx context.Context, name string) ([]byte, error) {
	data, err := r.client.GetObject(ctx, r.bucket, r.prefix+name, maxObject+1)
	if err != nil {
		switch s3Code(err) {
		case "NoSuchKey":
			return nil, errNoObject
		case "NoSuchBucket":
			return nil, errNoBucket
		}
		return nil, r.fail("download", err)
	}
	if len(data) > maxObject {
		return nil, fmt.Errorf("%w: object %s is larger than %d bytes", ErrIntegrity, name, maxObject)
	}
	return data, nil
}

var (
	errNoObject = errors.New("no such object")
	errNoBucket = errors.New("no such bucket")
)

// remove deletes an object; a missing one is errNoObject.
func (r *Remote) remove(ctx context.Context, name string) error {
	err := r.client.DeleteObject(ctx, r.bucket, r.prefix+name)
	if s3Code(err) == "NoSuchKey" {
		return errNoObject
	}
	return r.fail("delete", err)
}

// list returns the names under dir ("cat/"), relative to the prefix.
func (r *Remote) list(ctx context.Context, dir string) ([]string, error) {
	keys, err := r.client.ListObjects(ctx, r.bucket, r.prefix+dir)
	if err != nil {
		if s3Code(err) == "NoSuchBucket" {
			return nil, fmt.Errorf("bucket %s at %s: %w", r.bucket, r.endpoint, ErrNotInitialized)
		}
		return nil, r.fail("list", err)
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = strings.TrimPrefix(k, r.prefix)
	}
	return names, nil
}

// loadKey reads the key file, or (create) writes a new one. Two first
// pushes at once: the conditional put lets one win and the other reads
// the winner's key. Where a server ignores If-None-Match, reading back
// what is there after writing narrows the race to the time between the
// two requests.
func (r *Remote) loadKey(ctx context.Context, passphrase []byte, create bool, workFactor int) ([]byte, error) {
	sealed, err := r.get(ctx, "config")
	if errors.Is(err, errNoObject) || errors.Is(err, errNoBucket) {
		if !create {
			return nil, fmt.Errorf("s3://%s/%s at %s: %w", r.bucket, r.prefix, r.endpoint, ErrNotInitialized)
		}
		// The bucket is looked at only when the key file is missing: a
		// push to a remote that exists costs no request for it.
		if err := r.ensureBucket(ctx); err != nil {
			return nil, err
		}
		master, err := newMaster()
		if err != nil {
			return nil, err
		}
		if sealed, err = sealKeyFile(master, passphrase, workFactor); err != nil {
			return nil, err
		}
		if err := r.put(ctx, "config", sealed); err != nil && !errors.Is(err, ErrExist) {
			return nil, err
		}
		if sealed, err = r.get(ctx, "config"); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return r.unlockKey(sealed, passphrase)
}
