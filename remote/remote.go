package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
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
}

// Remote is an opened remote: its key is derived and its client ready.
type Remote struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or "p/" (with the slash)
	endpoint string
	keys     keys
	parallel int
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
	if o.Create {
		if err := r.ensureBucket(ctx); err != nil {
			return nil, err
		}
	}
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

func newClient(o Options) (*minio.Client, string, error) {
	getenv := getenvOr(o.Getenv)
	endpoint := o.Endpoint
	if endpoint == "" {
		endpoint = "https://s3.amazonaws.com"
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, "", fmt.Errorf("%w: endpoint %q: want http(s)://HOST[:PORT]", ErrURL, endpoint)
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&envProvider{getenv: getenv},
		&credentials.FileAWSCredentials{Filename: getenv("AWS_SHARED_CREDENTIALS_FILE"), Profile: getenv("AWS_PROFILE")},
	})
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        creds,
		Secure:       u.Scheme == "https",
		Region:       getenv("AWS_REGION"),
		BucketLookup: minio.BucketLookupPath,
		Transport:    transport(),
	})
	if err != nil {
		return nil, "", fmt.Errorf("endpoint %s: %w", endpoint, err)
	}
	// minio-go retries 5xx, throttling and network errors with jittered
	// exponential backoff; bound it so a dead server fails in seconds.
	retryOnce.Do(func() { minio.MaxRetry = 6 })
	return c, endpoint, nil
}

var retryOnce sync.Once

func transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 60 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// envProvider reads the AWS_* variables through getenv (the CLI's
// environment, so that tests run in-process).
type envProvider struct {
	getenv func(string) string
	done   bool
}

func (p *envProvider) Retrieve() (credentials.Value, error) {
	return p.RetrieveWithCredContext(nil)
}

func (p *envProvider) RetrieveWithCredContext(*credentials.CredContext) (credentials.Value, error) {
	p.done = true
	id, secret := p.getenv("AWS_ACCESS_KEY_ID"), p.getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return credentials.Value{}, errors.New("AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY not set")
	}
	return credentials.Value{AccessKeyID: id, SecretAccessKey: secret, SessionToken: p.getenv("AWS_SESSION_TOKEN"), SignerType: credentials.SignatureV4}, nil
}

func (p *envProvider) IsExpired() bool { return !p.done }

// fail turns a client error into one that names the endpoint and says
// which kind of failure it is; it never holds a credential.
func (r *Remote) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "ExpiredToken":
		return fmt.Errorf("%s at %s: %w (%s)", op, r.endpoint, ErrDenied, resp.Code)
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
	err = r.client.MakeBucket(ctx, r.bucket, minio.MakeBucketOptions{})
	if err != nil {
		if c := minio.ToErrorResponse(err).Code; c == "BucketAlreadyOwnedByYou" || c == "BucketAlreadyExists" {
			return nil
		}
		return r.fail("create bucket "+r.bucket, err)
	}
	return nil
}

// put writes a new object; it never replaces one (If-None-Match: *).
func (r *Remote) put(ctx context.Context, name string, data []byte) error {
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true}
	opts.SetMatchETagExcept("*")
	_, err := r.client.PutObject(ctx, r.bucket, r.prefix+name, bytes.NewReader(data), int64(len(data)), opts)
	return r.fail("upload", err)
}

// get reads a whole object; a missing one is errNoObject.
func (r *Remote) get(ctx context.Context, name string) ([]byte, error) {
	obj, err := r.client.GetObject(ctx, r.bucket, r.prefix+name, minio.GetObjectOptions{})
	if err != nil {
		return nil, r.fail("download", err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, maxObject+1))
	if err != nil {
		switch minio.ToErrorResponse(err).Code {
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

// remove deletes an object.
func (r *Remote) remove(ctx context.Context, name string) error {
	return r.fail("delete", r.client.RemoveObject(ctx, r.bucket, r.prefix+name, minio.RemoveObjectOptions{}))
}

// list returns the names under dir ("cat/"), relative to the prefix.
func (r *Remote) list(ctx context.Context, dir string) ([]string, error) {
	var names []string
	for o := range r.client.ListObjects(ctx, r.bucket, minio.ListObjectsOptions{Prefix: r.prefix + dir, Recursive: true}) {
		if o.Err != nil {
			if minio.ToErrorResponse(o.Err).Code == "NoSuchBucket" {
				return nil, fmt.Errorf("bucket %s at %s: %w", r.bucket, r.endpoint, ErrNotInitialized)
			}
			return nil, r.fail("list", o.Err)
		}
		names = append(names, strings.TrimPrefix(o.Key, r.prefix))
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
	return openKeyFile(sealed, passphrase)
}
