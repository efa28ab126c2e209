package migrations

import (
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hatch-backup/hatch-backup/index"
)

// ErrNewerSchema is index.ErrNewerSchema, re-exported for callers.
var ErrNewerSchema = index.ErrNewerSchema

// Migration takes an index from schema To-1 to To.
type Migration struct {
	To    uint32
	Name  string
	Apply func(tx *bolt.Tx) error
}

// registry holds every migration, To ascending from 1 without gaps. Tests
// replace it to inject failures.
var registry = []Migration{
	{To: 1, Name: "create buckets meta, hosts and time", Apply: index.CreateLayout},
	// Records of version 2 carry a parse status. Version 1 records still
	// decode, so nothing is rewritten; the bump is what makes an older
	// program refuse this index as newer (ErrNewerSchema) instead of
	// reporting the new records as corrupt.
	{To: 2, Name: "records carry a parse status (record version 2)", Apply: func(*bolt.Tx) error { return nil }},
	// Records of version 3 hold their original path as an id into the new
	// paths bucket, and listings of all hosts merge the host buckets, so
	// the time bucket goes. Older records are not rewritten (they still
	// decode; compact rewrites them).
	{To: 3, Name: "intern original paths, drop the time bucket (record version 3)", Apply: index.DropTimeAddPaths},
	// Records may carry the safety flag (a backup a restore took of the
	// content it replaced). Nothing is rewritten: no older record has it,
	// and the safety backups older code took stay unmarked. The bump makes
	// an older program refuse this index as newer instead of calling the
	// flagged records corrupt.
	{To: 4, Name: "records may be marked as safety backups (flag bit 2)", Apply: func(*bolt.Tx) error { return nil }},
	// The state of each host folder when hatch-backup last wrote it, so
	// that files another program (Python Hatch) added or removed are
	// noticed with one stat per folder. Only a new bucket: independent of
	// the migrations beside it. The bump makes an older program, which
	// would write without updating the states, refuse this index.
	{To: 5, Name: "record the state of each host folder (bucket folders)", Apply: index.CreateFolders},
	// The change sets of guard and undo get a bucket of their own; no
	// record changes. The bump makes an older program refuse the index
	// as newer rather than ignore the change sets.
	{To: 6, Name: "create bucket changesets (guard and undo)", Apply: index.CreateChangeSets},
	// Records may be deltas (compression 2) naming their base (flag bit
	// 3). Nothing is rewritten: no older record is a delta. The bump makes
	// an older program refuse this index as newer instead of calling the
	// delta records corrupt. Independent of any other migration: it only
	// bumps the version.
	{To: 7, Name: "records may be zstd deltas naming their base (compression 2, flag bit 3)", Apply: func(*bolt.Tx) error { return nil }},
}

// All returns a copy of the migrations, in the order Up applies them.
func All() []Migration {
	return append([]Migration(nil), registry...)
}

// Latest is the schema version this program writes.
func Latest() uint32 {
	var v uint32
	for _, m := range registry {
		v = max(v, m.To)
	}
	return v
}

// Up applies every pending migration in order, each in one transaction
// with its schema-version bump. An index from a newer schema: ErrNewerSchema.
//
// applied counts the migrations committed, also when a later one fails;
// the failing one's error names it and the index stays at the version
// before it.
func Up(db *index.DB) (applied int, err error) {
	cur, err := current(db)
	if err != nil {
		return 0, err
	}
	for _, m := range registry {
		if m.To <= cur {
			continue
		}
		if err := db.Upgrade(m.To, m.Apply); err != nil {
			return applied, fmt.Errorf("migration %d (%s): %w", m.To, m.Name, err)
		}
		applied++
	}
	return applied, nil
}

// Pending reports whether Up has work to do (for read-only opens).
// ErrNewerSchema when the index is newer than this program.
func Pending(db *index.DB) (bool, error) {
	cur, err := current(db)
	return err == nil && cur < Latest(), err
}

// current is the index's schema version, refused when it is newer than
// Latest.
func current(db *index.DB) (uint32, error) {
	cur, err := db.Schema()
	if err != nil {
		return 0, err
	}
	if latest := Latest(); cur > latest {
		return 0, fmt.Errorf("index %s: %w: schema %d, this program knows up to %d: a newer hatch-backup wrote it",
			db.Path(), ErrNewerSchema, cur, latest)
	}
	return cur, nil
}
