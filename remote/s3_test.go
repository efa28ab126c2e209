package remote

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The GET Object example of the SigV4 documentation ("Authenticating
// Requests: Using the Authorization Header", GET /test.txt from
// examplebucket with a Range header).
func TestSignAWSExample(t *testing.T) {
	req, err := http.NewRequest(http.MethodGet, "https://examplebucket.s3.amazonaws.com/test.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Range", "bytes=0-9")
	cr := Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	emptySHA := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	sign(req, cr, "us-east-1", emptySHA, time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC))
	want := "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
		"SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
		"Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	if got := req.Header.Get("Authorization"); got != want {
		t.Fatalf("Authorization:\n got %s\nwant %s", got, want)
	}
}

func TestURIEncode(t *testing.T) {
	if got := uriEncode("/b/a b/é~+", false); got != "/b/a%20b/%C3%A9~%2B" {
		t.Fatalf("path: %s", got)
	}
	q := canonicalQuery(map[string][]string{"prefix": {"p/cat/"}, "list-type": {"2"}, "continuation-token": {"a+b="}})
	if q != "continuation-token=a%2Bb%3D&list-type=2&prefix=p%2Fcat%2F" {
		t.Fatalf("query: %s", q)
	}
}

// A 503 storm is outlasted; a 4xx is not retried.
func TestRetries(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1, 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<Error><Code>SlowDown</Code></Error>`)
		default:
			if r.URL.Path == "/b/missing" {
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `<?xml version="1.0"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>`)
				return
			}
			fmt.Fprint(w, "data")
		}
	}))
	defer srv.Close()
	c := &S3{Endpoint: srv.URL, Creds: Credentials{AccessKeyID: "a", SecretAccessKey: "s"}}
	data, err := c.GetObject(context.Background(), "b", "k", 100)
	if err != nil || string(data) != "data" || n.Load() != 3 {
		t.Fatalf("got %q %v after %d tries", data, err, n.Load())
	}
	_, err = c.GetObject(context.Background(), "b", "missing", 100)
	if s3Code(err) != "NoSuchKey" || n.Load() != 4 {
		t.Fatalf("got %v after %d tries", err, n.Load())
	}
}

// Listing follows continuation tokens; keys come back as sent.
func TestListPages(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("list-type") != "2" || q.Get("prefix") != "p/cat/" {
			http.Error(w, "bad query "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		if q.Get("continuation-token") == "" {
			fmt.Fprint(w, `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t+1</NextContinuationToken><Contents><Key>p/cat/a</Key></Contents><Contents><Key>p/cat/b</Key></Contents></ListBucketResult>`)
			return
		}
		if q.Get("continuation-token") != "t+1" {
			http.Error(w, "bad token", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/cat/c &amp; d</Key></Contents></ListBucketResult>`)
	}))
	defer srv.Close()
	c := &S3{Endpoint: srv.URL}
	keys, err := c.ListObjects(context.Background(), "b", "p/cat/")
	if err != nil || strings.Join(keys, ",") != "p/cat/a,p/cat/b,p/cat/c & d" {
		t.Fatalf("got %q %v", keys, err)
	}
}

// A bucket in another region: the server names it, the client signs for
// it from then on.
func TestRegionLearnt(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/s3/") {
			w.Header().Set("X-Amz-Bucket-Region", "eu-west-1")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `<Error><Code>AuthorizationHeaderMalformed</Code><Region>eu-west-1</Region></Error>`)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	c := &S3{Endpoint: srv.URL, Creds: Credentials{AccessKeyID: "a", SecretAccessKey: "s"}}
	if data, err := c.GetObject(context.Background(), "b", "k", 10); err != nil || string(data) != "ok" {
		t.Fatalf("got %q %v", data, err)
	}
	if c.region() != "eu-west-1" {
		t.Fatalf("region %s", c.region())
	}
}

func TestLoadCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "credentials")
	os.WriteFile(file, []byte("[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[profile work]\naws_access_key_id=W\naws_secret_access_key=WS\naws_session_token=WT\n[half]\naws_access_key_id=H\n"), 0o600)
	env := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file}
	getenv := func(k string) string { return env[k] }
	check := func(want Credentials) {
		t.Helper()
		got, err := LoadCredentials(getenv)
		if err != nil || got != want {
			t.Fatalf("got %+v %v, want %+v", got, err, want)
		}
	}
	check(Credentials{AccessKeyID: "D", SecretAccessKey: "DS"})
	env["AWS_PROFILE"] = "work"
	check(Credentials{AccessKeyID: "W", SecretAccessKey: "WS", SessionToken: "WT"})
	env["AWS_PROFILE"] = "nobody"
	check(Credentials{})
	env["AWS_PROFILE"] = "half"
	if _, err := LoadCredentials(getenv); err == nil {
		t.Fatal("half a key pair accepted")
	}
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], env["AWS_SESSION_TOKEN"] = "E", "ES", "ET"
	check(Credentials{AccessKeyID: "E", SecretAccessKey: "ES", SessionToken: "ET"})
}

func TestCredentialProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the helper is a shell script")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "creds.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho '{\"Version\":1,\"AccessKeyId\":\"P\",\"SecretAccessKey\":\"PS\",\"SessionToken\":\"PT\"}'\n"), 0o700)
	file := filepath.Join(dir, "config")
	os.WriteFile(file, []byte("[profile proc]\ncredential_process = "+script+" --flag\n"), 0o600)
	env := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "proc"}
	got, err := LoadCredentials(func(k string) string { return env[k] })
	if err != nil || got != (Credentials{AccessKeyID: "P", SecretAccessKey: "PS", SessionToken: "PT"}) {
		t.Fatalf("got %+v %v", got, err)
	}
}

// An SSO profile trades the token aws sso login cached for role
// credentials at the portal.
func TestSSOCredentials(t *testing.T) {
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path != "/federation/credentials" || q.Get("account_id") != "123" || q.Get("role_name") != "backup" ||
			r.Header.Get("X-Amz-Sso_bearer_token") != "tok" {
			http.Error(w, "refused", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"roleCredentials":{"accessKeyId":"S","secretAccessKey":"SS","sessionToken":"ST","expiration":1}}`)
	}))
	defer portal.Close()
	old := ssoPortal
	ssoPortal = func(region string) string {
		if region != "eu-west-1" {
			return "http://127.0.0.1:1"
		}
		return portal.URL
	}
	defer func() { ssoPortal = old }()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".aws", "sso", "cache"), 0o700)
	// sha1("my-sso") names the cached token.
	tok := fmt.Sprintf(`{"accessToken":"tok","expiresAt":%q}`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	os.WriteFile(filepath.Join(home, ".aws", "sso", "cache", "0ad374308c5a4e22f723adf10145eafad7c4031c.json"), []byte(tok), 0o600)
	ini := map[string]map[string]string{}
	parseINI([]byte("[profile dev]\nsso_session = my-sso\nsso_account_id = 123\nsso_role_name = backup\n[sso-session my-sso]\nsso_region = eu-west-1\nsso_start_url = https://x.awsapps.com/start\n"), ini)
	got, err := profileCredentials("dev", ini["dev"], ini, home)
	if err != nil || got != (Credentials{AccessKeyID: "S", SecretAccessKey: "SS", SessionToken: "ST"}) {
		t.Fatalf("got %+v %v", got, err)
	}
}
