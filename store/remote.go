package store

import (
	"context"

	"github.com/hatch-backup/hatch-backup/remote"
)

// Remote is an open S3 remote (see package remote): what Push, Pull,
// VerifyRemote and CleanRemote work with.
type Remote = remote.Remote

// RemoteOptions say which remote to open and how (see remote.Options).
type RemoteOptions = remote.Options

// ErrRemoteURL: a remote URL that is not s3://BUCKET[/PREFIX].
var ErrRemoteURL = remote.ErrURL

// CheckRemoteURL refuses a remote URL that is not s3://BUCKET[/PREFIX]
// (ErrRemoteURL), before anything is asked of the network.
func CheckRemoteURL(url string) error {
	_, _, err := remote.ParseURL(url)
	return err
}

// OpenRemote opens the remote o names; its errors are classified as
// Push's are (a wrong passphrase or a tampered remote is ErrIntegrity).
func OpenRemote(ctx context.Context, o RemoteOptions) (*Remote, error) {
	r, err := remote.Open(ctx, o)
	if err != nil {
		return nil, remoteErr(err)
	}
	return r, nil
}
