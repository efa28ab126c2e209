package migrations

import (
	"errors"

	"hatch-backup/index"
)

// ErrNewerSchema is index.ErrNewerSchema, re-exported for callers.
var ErrNewerSchema = index.ErrNewerSchema

// Latest is the schema version this program writes.
func Latest() uint32 { panic("unimplemented") }

// Up applies every pending migration in order, each in one transaction
// with its schema-version bump. An index from a newer schema: ErrNewerSchema.
func Up(db *index.DB) (applied int, err error) { panic("unimplemented") }

// Pending reports whether Up has work to do (for read-only opens).
func Pending(db *index.DB) (bool, error) { panic("unimplemented") }

var _ = errors.New
