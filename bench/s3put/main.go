// Command s3put is the bench's baseline for push: it uploads every file
// under a folder to s3://BUCKET/PREFIX one at a time, in one process, with
// the same S3 client and settings as package remote (no encryption, no
// catalogue). Credentials come from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY.
//
//	s3put ENDPOINT BUCKET PREFIX DIR
package main

import (
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/hatch-backup/hatch-backup/remote"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: s3put ENDPOINT BUCKET PREFIX DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3], os.Args[4]); err != nil {
		fmt.Fprintln(os.Stderr, "s3put:", err)
		os.Exit(1)
	}
}

func run(endpoint, bucket, prefix, dir string) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	creds, err := remote.LoadCredentials(os.Getenv)
	if err != nil {
		return err
	}
	c := &remote.S3{Endpoint: u.Scheme + "://" + u.Host, Region: os.Getenv("AWS_REGION"), Creds: creds, MaxTries: 6}
	ctx := context.Background()
	if ok, err := c.BucketExists(ctx, bucket); err != nil {
		return err
	} else if !ok {
		if err := c.MakeBucket(ctx, bucket); err != nil {
			return err
		}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return c.PutObject(ctx, bucket, prefix+"/"+filepath.ToSlash(rel), data, false)
	})
}
