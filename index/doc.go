// Package index is the catalogue of backups: a bbolt file (<root>/index.db)
// that answers "the latest backup of a host", "a host's backup by
// timestamp", "the backups of some hosts in a time range" without reading
// the backup files, and the store lock (<root>/lock) that serialises
// writers.
//
// # Layout
//
// Schema version 4 (the migrations package makes it: CreateLayout, then
// DropTimeAddPaths; schema 4 changed no bucket, it lets records carry the
// safety flag, see encoding.go): bucket "meta" holds "schema"; bucket
// "hosts" holds one nested bucket per host whose keys are Created in Unix
// microseconds (8 bytes, big-endian) and whose values are the encoded
// records (about 43 bytes; see encoding.go); bucket "paths" interns the
// records' original config paths, which every backup of a host repeats
// (id to path for readers, path to id for writers). Schema 5 adds bucket
// "changesets": the change sets of guard and undo (see changeset.go). Latest, Newest and Get
// are cursor seeks in one host bucket (Newest then steps back over the
// records its filter refuses); List merges one cursor per host (all of
// them when the query names none), each placed by one seek, so its cost
// does not grow with the records outside the range. Only a Get that misses its 26-hour window
// reads a whole host. Schemas 1 and 2 had a "time" bucket (an empty value
// per record, keyed by Created and host) and records holding their path
// inline; those records (versions 1 and 2) still decode, and CompactTo
// rewrites them.
//
// # Guarantees
//
//   - Every write is one bbolt transaction: a record and the path it
//     interns are both written or neither; Upgrade commits a migration
//     together with its schema version.
//   - Damage is reported, never hidden: a 0-byte, truncated, garbage or
//     symlinked index file gives ErrCorrupt from Open and is not modified;
//     a panic inside bbolt while reading (a damaged page), an undecodable
//     record and a path id that does not resolve give ErrCorrupt instead
//     of crashing.
//   - Nothing waits forever: bbolt's file lock and the store lock are
//     polled up to a timeout, ErrLocked after it.
//   - New index and lock files are mode 0600 whatever the umask; symlinks
//     are never followed (O_NOFOLLOW).
//   - Every error names the index or lock file and wraps one of the
//     sentinel errors (errors.Is), with bbolt's own error beside it.
//
// # What it does not do
//
//   - It does not know the backup files: it neither reads nor checks them,
//     and cannot tell whether an entry's file still exists (store's verify
//     does).
//   - Open does not take the store lock; callers take it first
//     (AcquireLock) and keep it while the index is open. bbolt's lock alone
//     would not survive compaction replacing index.db.
//   - It does not migrate: Put and Delete on an index without the layout of
//     schema 3 fail with ErrNoLayout, and Schema only reports the version.
//   - Interned paths are never removed by Delete (there are as many as
//     config paths ever backed up); CompactTo keeps only those in use.
//   - Check reads everything and is meant for verify and tests, not for
//     every open; Open only checks what it must (meta pages, file size).
//   - Open the index once per process: bbolt's lock is per open file.
package index
