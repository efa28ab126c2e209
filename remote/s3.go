package remote

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// S3 is a minimal S3 client: path-style requests signed with AWS
// Signature Version 4, with exactly the operations a remote needs. It is
// written here rather than taken from minio-go because that library's
// package initialisers (regexps, encoders, YAML) cost every command of
// hatch-backup about 3 ms and 8 MB of binary, remote or not.
type S3 struct {
	// Endpoint is scheme://host[:port] with no path.
	Endpoint string
	// Region signs the requests (us-east-1 when empty); a bucket's
	// region learnt from an answer replaces it.
	Region string
	// Creds sign the requests; empty ones send anonymous requests.
	Creds Credentials
	// HTTP sends the requests (a client with Transport() when nil).
	HTTP *http.Client
	// MaxTries bounds the tries of one request (6 when 0).
	MaxTries int

	mu     sync.Mutex
	learnt string // the bucket's region, from an answer
}

// Credentials are an AWS access key, with a session token when temporary.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// S3Error is an error answer from the server: its HTTP status and, when
// the body says, its S3 code (NoSuchKey, AccessDenied, ...).
type S3Error struct {
	Status  int
	Code    string
	Message string
	Region  string // the bucket's region, when the server says
}

func (e *S3Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message)
	}
	return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
}

// s3Code is err's S3 code, or "".
func s3Code(err error) string {
	var e *S3Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Transport is the HTTP transport the client uses by default: many
// connections per host (pushes run in parallel), and bounded waits.
func Transport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 60 * time.Second
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	return t
}

// BucketExists is whether the bucket is there (HEAD bucket).
func (c *S3) BucketExists(ctx context.Context, bucket string) (bool, error) {
	_, err := c.do(ctx, http.MethodHead, bucket, "", nil, nil, nil)
	if err != nil {
		if s3Code(err) == "NoSuchBucket" {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// MakeBucket creates the bucket, in c's region (a location constraint
// outside us-east-1).
func (c *S3) MakeBucket(ctx context.Context, bucket string) error {
	var body []byte
	if r := c.region(); r != "us-east-1" {
		body = []byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>` + r + `</LocationConstraint></CreateBucketConfiguration>`)
	}
	_, err := c.do(ctx, http.MethodPut, bucket, "", nil, nil, body)
	return err
}

// PutObject writes data as key; with ifNoneMatch, only when the key is
// free (If-None-Match: *; a taken key is PreconditionFailed).
func (c *S3) PutObject(ctx context.Context, bucket, key string, data []byte, ifNoneMatch bool) error {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if ifNoneMatch {
		h.Set("If-None-Match", "*")
	}
	if data == nil {
		data = []byte{}
	}
	_, err := c.do(ctx, http.MethodPut, bucket, key, nil, h, data)
	return err
}

// PutObjectFile writes size bytes of f as key, with their sha256 (hex)
// computed beforehand; as PutObject otherwise.
func (c *S3) PutObjectFile(ctx context.Context, bucket, key string, f io.ReaderAt, size int64, sum string, ifNoneMatch bool) error {
	h := http.Header{"Content-Type": {"application/octet-stream"}}
	if ifNoneMatch {
		h.Set("If-None-Match", "*")
	}
	_, err := c.doPayload(ctx, http.MethodPut, bucket, key, nil, h, payload{file: f, size: size, sum: sum}, maxAnswer)
	return err
}

// GetRange reads n bytes of an object from off (a ranged GET). A shorter
// or longer answer (the object is truncated, or the server ignored the
// range) is returned as it came, at most n+1 bytes: the caller checks.
func (c *S3) GetRange(ctx context.Context, bucket, key string, off, n int64) ([]byte, error) {
	h := http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", off, off+n-1)}}
	return c.doLimit(ctx, http.MethodGet, bucket, key, nil, h, nil, n+1)
}

// GetObject reads a whole object, at most limit bytes of it (more is
// cut: the caller sees limit bytes and can tell).
func (c *S3) GetObject(ctx context.Context, bucket, key string, limit int64) ([]byte, error) {
	return c.doLimit(ctx, http.MethodGet, bucket, key, nil, nil, nil, limit)
}

// DeleteObject removes key (S3 answers success for a missing key).
func (c *S3) DeleteObject(ctx context.Context, bucket, key string) error {
	_, err := c.do(ctx, http.MethodDelete, bucket, key, nil, nil, nil)
	return err
}

// ListObjects returns every key that starts with prefix, following
// ListObjectsV2's continuation tokens.
func (c *S3) ListObjects(ctx context.Context, bucket, prefix string) ([]string, error) {
	infos, err := c.ListObjectsInfo(ctx, bucket, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(infos))
	for i, o := range infos {
		keys[i] = o.Key
	}
	return keys, nil
}

// ObjectInfo is what a listing says of an object.
type ObjectInfo struct {
	Key          string
	Size         int64
	LastModified time.Time
}

// ListObjectsInfo is ListObjects with each object's size and time.
func (c *S3) ListObjectsInfo(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error) {
	var keys []ObjectInfo
	token := ""
	for {
		q := url.Values{"list-type": {"2"}, "prefix": {prefix}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		body, err := c.do(ctx, http.MethodGet, bucket, "", q, nil, nil)
		if err != nil {
			return nil, err
		}
		var res struct {
			IsTruncated           bool
			NextContinuationToken string
			Contents              []ObjectInfo
		}
		if err := xml.Unmarshal(body, &res); err != nil {
			return nil, fmt.Errorf("list %s: %w", bucket, err)
		}
		keys = append(keys, res.Contents...)
		if !res.IsTruncated {
			return keys, nil
		}
		if res.NextContinuationToken == "" || res.NextContinuationToken == token {
			return nil, fmt.Errorf("list %s: truncated answer without a new continuation token", bucket)
		}
		token = res.NextContinuationToken
	}
}

func (c *S3) region() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.learnt != "":
		return c.learnt
	case c.Region != "":
		return c.Region
	}
	return "us-east-1"
}

// maxAnswer bounds the body of an answer that is not an object (lists,
// errors).
const maxAnswer = 16 << 20

func (c *S3) do(ctx context.Context, method, bucket, key string, q url.Values, h http.Header, body []byte) ([]byte, error) {
	return c.doLimit(ctx, method, bucket, key, q, h, body, maxAnswer)
}

// doLimit sends one request, again on a network error, a timeout, a 5xx,
// 429 or a throttling code, with jittered exponential backoff (200 ms
// doubling, at most 1 s), up to MaxTries tries. A request always carries
// its whole body, so every try sends the same bytes.
func (c *S3) doLimit(ctx context.Context, method, bucket, key string, q url.Values, h http.Header, body []byte, limit int64) ([]byte, error) {
	return c.doPayload(ctx, method, bucket, key, q, h, payload{data: body}, limit)
}

// payload is a request's body: bytes in memory, or a file section with
// its sha256 computed beforehand (a large object is sent from a file,
// not held in memory).
type payload struct {
	data []byte
	file io.ReaderAt
	size int64
	sum  string // hex sha256 of the file section
}

func (p payload) reader() io.Reader {
	if p.file != nil {
		return io.NewSectionReader(p.file, 0, p.size)
	}
	return bytes.NewReader(p.data)
}

func (p payload) length() int64 {
	if p.file != nil {
		return p.size
	}
	return int64(len(p.data))
}

func (p payload) hash() string {
	if p.file != nil {
		return p.sum
	}
	sum := sha256.Sum256(p.data)
	return hex.EncodeToString(sum[:])
}

func (c *S3) doPayload(ctx context.Context, method, bucket, key string, q url.Values, h http.Header, body payload, limit int64) ([]byte, error) {
	tries := c.MaxTries
	if tries <= 0 {
		tries = 6
	}
	var err error
	for try := range tries {
		if try > 0 {
			wait := min(200*time.Millisecond<<(try-1), time.Second)
			wait = wait/2 + rand.N(wait/2+1)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		}
		var data []byte
		var retry bool
		data, retry, err = c.once(ctx, method, bucket, key, q, h, body, limit)
		if err == nil || !retry {
			return data, err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	return nil, err
}

// once sends one try; retry says whether another may succeed.
func (c *S3) once(ctx context.Context, method, bucket, key string, q url.Values, h http.Header, body payload, limit int64) ([]byte, bool, error) {
	region := c.region()
	req, err := c.request(ctx, region, method, bucket, key, q, h, body)
	if err != nil {
		return nil, false, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, retryable(ctx, err), err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		e := readError(resp, bucket, key)
		if e.Region != "" && e.Region != region && (e.Status == http.StatusMovedPermanently || e.Code == "AuthorizationHeaderMalformed" || e.Code == "PermanentRedirect") {
			// The bucket is in another region: sign for it from now
			// on, and try again at once.
			c.mu.Lock()
			c.learnt = e.Region
			c.mu.Unlock()
			return nil, true, e
		}
		return nil, retryableStatus(e), e
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		// A body cut short (the server died mid-answer) is read again.
		return nil, retryable(ctx, err), err
	}
	return data, false, nil
}

var defaultHTTP = &http.Client{Transport: Transport()}

func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) && strings.Contains(ue.Err.Error(), "certificate") {
		return false
	}
	return true
}

func retryableStatus(e *S3Error) bool {
	switch e.Status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, 499, 520:
		return true
	}
	if e.Status >= 500 && e.Status != http.StatusNotImplemented {
		return true
	}
	switch e.Code {
	case "RequestTimeout", "Throttling", "ThrottlingException", "RequestLimitExceeded",
		"RequestThrottled", "InternalError", "SlowDown", "SlowDownWrite", "SlowDownRead":
		return true
	}
	return false
}

// readError reads an S3 error answer. HEAD answers have no body: their
// code comes from the status.
func readError(resp *http.Response, bucket, key string) *S3Error {
	e := &S3Error{Status: resp.StatusCode, Region: resp.Header.Get("X-Amz-Bucket-Region")}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var x struct {
		Code, Message, Region string
	}
	if len(body) > 0 && xml.Unmarshal(body, &x) == nil {
		e.Code, e.Message = x.Code, x.Message
		if e.Region == "" {
			e.Region = x.Region
		}
	}
	if e.Code == "" {
		switch {
		case resp.StatusCode == http.StatusNotFound && key == "":
			e.Code = "NoSuchBucket"
		case resp.StatusCode == http.StatusNotFound:
			e.Code = "NoSuchKey"
		case resp.StatusCode == http.StatusForbidden:
			e.Code = "AccessDenied"
		case resp.StatusCode == http.StatusMovedPermanently:
			e.Code = "PermanentRedirect"
		case resp.StatusCode == http.StatusPreconditionFailed:
			e.Code = "PreconditionFailed"
		default:
			e.Code = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", "")
		}
	}
	return e
}

// request builds and signs a path-style request: /bucket/key.
func (c *S3) request(ctx context.Context, region, method, bucket, key string, q url.Values, h http.Header, body payload) (*http.Request, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil {
		return nil, err
	}
	u.Host = hostOf(u, region)
	path := "/" + bucket
	if key != "" {
		path += "/" + key
	}
	u.Path = path
	u.RawPath = uriEncode(path, false)
	u.RawQuery = canonicalQuery(q)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body.reader())
	if err != nil {
		return nil, err
	}
	req.ContentLength = body.length()
	if body.data == nil && body.file == nil {
		req.Body = http.NoBody
		req.GetBody = nil
	}
	for k, v := range h {
		req.Header[k] = v
	}
	sign(req, c.Creds, region, body.hash(), time.Now())
	return req, nil
}

// hostOf is u's host without a default port, and for AWS's global
// endpoint the region's own (a bucket outside us-east-1 answers only
// there).
func hostOf(u *url.URL, region string) string {
	host := u.Host
	if p := u.Port(); (p == "80" && u.Scheme == "http") || (p == "443" && u.Scheme == "https") {
		host = u.Hostname()
	}
	if host == "s3.amazonaws.com" && region != "us-east-1" {
		host = "s3." + region + ".amazonaws.com"
	}
	return host
}

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	timeFormat   = "20060102T150405Z"
)

// sign adds the SigV4 headers (x-amz-date, x-amz-content-sha256, the
// session token, Authorization) to req. It signs the host and every
// header already set, except the User-Agent a proxy may rewrite.
// Anonymous credentials leave the request unsigned.
func sign(req *http.Request, cr Credentials, region, payloadHash string, now time.Time) {
	if cr.AccessKeyID == "" || cr.SecretAccessKey == "" {
		return
	}
	now = now.UTC()
	amzDate := now.Format(timeFormat)
	day := now.Format("20060102")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if cr.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", cr.SessionToken)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	headers := map[string]string{"host": host}
	for k, v := range req.Header {
		lk := strings.ToLower(k)
		if lk == "authorization" || lk == "user-agent" {
			continue
		}
		vals := make([]string, len(v))
		for i, s := range v {
			vals[i] = strings.Join(strings.Fields(s), " ")
		}
		headers[lk] = strings.Join(vals, ",")
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	slices.Sort(names)
	var canon strings.Builder
	for _, k := range names {
		canon.WriteString(k + ":" + headers[k] + "\n")
	}
	signed := strings.Join(names, ";")
	creq := strings.Join([]string{
		req.Method,
		uriEncode(req.URL.Path, false),
		req.URL.RawQuery,
		canon.String(),
		signed,
		payloadHash,
	}, "\n")
	scope := day + "/" + region + "/s3/aws4_request"
	h := sha256.Sum256([]byte(creq))
	toSign := sigAlgorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(h[:])
	k := hmacSHA256([]byte("AWS4"+cr.SecretAccessKey), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, "s3")
	k = hmacSHA256(k, "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(k, toSign))
	req.Header.Set("Authorization", sigAlgorithm+" Credential="+cr.AccessKeyID+"/"+scope+
		", SignedHeaders="+signed+", Signature="+sig)
}

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// uriEncode is SigV4's URI encoding: every byte but A-Z a-z 0-9 - _ . ~
// as %XX (upper-case hex); "/" too when encodeSlash (query values), not
// in a path.
func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9',
			ch == '-', ch == '_', ch == '.', ch == '~':
			b.WriteByte(ch)
		case ch == '/' && !encodeSlash:
			b.WriteByte(ch)
		default:
			const hexDigits = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String()
}

// canonicalQuery is the query sorted by name, then value, each encoded
// as SigV4 wants; it is also what is sent.
func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, "&")
}
