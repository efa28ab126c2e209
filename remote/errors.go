package remote

import "errors"

var (
	// ErrIntegrity: an object failed to decrypt or authenticate, is
	// truncated, or a segment named by another is missing.
	ErrIntegrity = errors.New("remote integrity check failed")
	// ErrPassphrase: the passphrase does not open the remote's key.
	ErrPassphrase = errors.New("wrong passphrase for the remote")
	// ErrNewer: the remote was written by a newer version of hatch-backup.
	ErrNewer = errors.New("remote written by a newer hatch-backup")
	// ErrUnreachable: the endpoint could not be reached.
	ErrUnreachable = errors.New("endpoint unreachable")
	// ErrDenied: the endpoint refused the credentials.
	ErrDenied = errors.New("credentials refused")
	// ErrURL: the remote URL is not s3://BUCKET[/PREFIX].
	ErrURL = errors.New("invalid remote URL")
	// ErrNotInitialized: there is no remote at the URL yet (pull, verify
	// before any push).
	ErrNotInitialized = errors.New("no hatch-backup remote at this URL")
	// ErrExist: a conditional put found the name taken.
	ErrExist = errors.New("object exists")
)
