package remote

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// LoadCredentials finds the credentials as the AWS tools do, in order:
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN);
// else the profile AWS_PROFILE ("default") of the shared files: only
// AWS_SHARED_CREDENTIALS_FILE when set, else ~/.aws/config
// (AWS_CONFIG_FILE) overlaid by ~/.aws/credentials. A profile gives
// static keys, else AWS SSO role credentials (the token `aws sso login`
// cached), else its credential_process. None found is anonymous
// (unsigned requests, for a public bucket).
func LoadCredentials(getenv func(string) string) (Credentials, error) {
	getenv = getenvOr(getenv)
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		return Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: getenv("AWS_SESSION_TOKEN")}, nil
	}
	profile := getenv("AWS_PROFILE")
	if profile == "" {
		profile = "default"
	}
	home, _ := os.UserHomeDir()
	var files []string
	if f := getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		files = []string{f}
	} else {
		config := getenv("AWS_CONFIG_FILE")
		if config == "" && home != "" {
			config = filepath.Join(home, ".aws", "config")
		}
		files = []string{config}
		if home != "" {
			files = append(files, filepath.Join(home, ".aws", "credentials"))
		}
	}
	ini := map[string]map[string]string{}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			parseINI(data, ini)
		}
	}
	sec, ok := ini[profile]
	if !ok {
		return Credentials{}, nil
	}
	return profileCredentials(profile, sec, ini, home)
}

// profileCredentials reads one profile: static keys first, then SSO,
// then credential_process (as aws-sdk-go-v2 orders them).
func profileCredentials(profile string, sec map[string]string, ini map[string]map[string]string, home string) (Credentials, error) {
	c := Credentials{AccessKeyID: sec["aws_access_key_id"], SecretAccessKey: sec["aws_secret_access_key"], SessionToken: sec["aws_session_token"]}
	if c.AccessKeyID != "" && c.SecretAccessKey != "" {
		return c, nil
	}
	if c.AccessKeyID != "" || c.SecretAccessKey != "" {
		return Credentials{}, fmt.Errorf("AWS profile %s: %w: aws_access_key_id and aws_secret_access_key must both be set", profile, ErrDenied)
	}
	if sec["sso_role_name"] != "" {
		return ssoCredentials(profile, sec, ini, home)
	}
	if p := strings.Fields(sec["credential_process"]); len(p) > 0 {
		return processCredentials(p)
	}
	return Credentials{}, nil
}

// ssoPortal is the AWS SSO portal's URL for a region (a test's server
// when set).
var ssoPortal = func(region string) string {
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://portal.sso." + region + "." + suffix
}

// ssoCredentials trades the token `aws sso login` cached for the
// profile's role credentials, at the SSO portal.
func ssoCredentials(profile string, sec map[string]string, ini map[string]map[string]string, home string) (Credentials, error) {
	fail := func(format string, a ...any) (Credentials, error) {
		return Credentials{}, fmt.Errorf("AWS profile %s: %w: %s", profile, ErrDenied, fmt.Sprintf(format, a...))
	}
	account, role, region := sec["sso_account_id"], sec["sso_role_name"], sec["sso_region"]
	if account == "" {
		return fail("sso_role_name without sso_account_id")
	}
	// The token is cached under the sha1 of the sso-session's name
	// (current configs) or of the start URL (legacy ones).
	cacheKey := sec["sso_session"]
	if cacheKey != "" {
		if s, ok := ini["sso-session "+cacheKey]; ok && s["sso_region"] != "" {
			region = s["sso_region"]
		}
	} else if cacheKey = sec["sso_start_url"]; cacheKey == "" {
		return fail("sso_role_name without sso_session or sso_start_url")
	}
	sum := sha1.Sum([]byte(cacheKey))
	path := filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return fail("no cached SSO token (run aws sso login): %v", err)
	}
	var tok struct {
		AccessToken string    `json:"accessToken"`
		ExpiresAt   time.Time `json:"expiresAt"`
		Region      string    `json:"region"`
	}
	if err := json.Unmarshal(raw, &tok); err != nil {
		return fail("cached SSO token %s: %v", path, err)
	}
	if tok.ExpiresAt.Before(time.Now()) {
		return fail("the cached SSO token has expired (run aws sso login)")
	}
	if region == "" {
		region = tok.Region
	}
	if region == "" {
		return fail("no sso_region")
	}
	q := url.Values{"account_id": {account}, "role_name": {role}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ssoPortal(region)+"/federation/credentials?"+q.Encode(), nil)
	if err != nil {
		return Credentials{}, err
	}
	req.Header.Set("X-Amz-Sso_bearer_token", tok.AccessToken)
	resp, err := defaultHTTP.Do(req)
	if err != nil {
		return Credentials{}, fmt.Errorf("AWS profile %s: SSO portal: %w: %v", profile, ErrUnreachable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("the SSO portal answered %s", resp.Status)
	}
	var v struct {
		RoleCredentials struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
		} `json:"roleCredentials"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&v); err != nil || v.RoleCredentials.AccessKeyID == "" {
		return fail("the SSO portal's answer holds no credentials")
	}
	rc := v.RoleCredentials
	return Credentials{AccessKeyID: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken}, nil
}

// processCredentials runs a credential_process and reads its JSON.
func processCredentials(args []string) (Credentials, error) {
	out, err := exec.Command(args[0], args[1:]...).Output()
	if err != nil {
		return Credentials{}, fmt.Errorf("credential_process %s: %w", args[0], err)
	}
	var v struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		SessionToken    string
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return Credentials{}, fmt.Errorf("credential_process %s: %w", args[0], err)
	}
	if v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("credential_process %s: %w", args[0], errors.New("no AccessKeyId or SecretAccessKey in its output"))
	}
	return Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken}, nil
}

// parseINI adds the sections of an AWS config or credentials file to
// ini, keys of a later file over an earlier one's. "[profile NAME]" (the
// config file's form) is stored as NAME.
func parseINI(data []byte, ini map[string]map[string]string) {
	var sec map[string]string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && line[len(line)-1] == ']' {
			name := strings.Join(strings.Fields(line[1:len(line)-1]), " ")
			name = strings.TrimPrefix(name, "profile ")
			if sec = ini[name]; sec == nil {
				sec = map[string]string{}
				ini[name] = sec
			}
			continue
		}
		if sec == nil {
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			sec[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
}
