// Package store is the backup store of hatch-backup: it ties the file
// layout (blob), the durable writes (atomic) and the bbolt catalogue (index)
// into the operations a user asks for.
//
// A Store is opened for one operation and closed after it. Open takes the
// store lock (<root>/lock): exclusive for a writer, shared for a reader, for
// the Store's whole life, file writes included. So whoever holds it knows
// that a temp file in the root is the leftover of a crash.
//
// Guarantees:
//   - Create writes the backup file durably (temp file, fsync, no-replace
//     publish, directory fsync) before it writes the index entry; a Create
//     that returned nil survives a crash right after.
//   - Two backups of one host never share a name: a taken name (plain or
//     .zst) moves to the next free microsecond.
//   - Restore checks the backup's size and sha256 before it touches the
//     target, backs up the current target first (unless told not to), and
//     replaces it atomically: the target holds its old or its new bytes at
//     every instant.
//   - Clean decides from the index under the exclusive store lock and
//     removes index entries before files: an entry never outlives its file.
//   - Compact keeps every backup readable through a crash at any step (see
//     Compact) and replaces index.db only under the exclusive store lock.
//     It leaves the newest backup of each host and original path plain.
//   - Compact with Delta stores old backups as zstd deltas against a newer
//     backup of the same config (see keyframeEvery for the scheme); any
//     backup reads back in at most MaxDeltaSteps decode steps, each checked
//     against the index's sha256. The base is named in the index and in the
//     .delta file itself, so reindex rebuilds the relations from the files.
//     Clean stores whole every kept delta whose base it removes, before it
//     removes anything; verify reports a delta whose base is missing or
//     damaged (ProblemDeltaBase), once for each backup it makes unreadable.
//   - An index is published only when complete: a missing index (the first
//     open, from any command) or a damaged one (reindex) is built whole
//     from the files under a temp name in the root, fsynced, and linked
//     into place without replacing anything. A kill at any moment leaves
//     no index.db (the next open builds again), the damaged one, or the
//     complete new one; never an empty or partial index served as the
//     truth.
//   - Every backup file written (create, restore's safety backup,
//     compact's .zst) has the backup's instant as its mtime, set before
//     the fsync. A rebuilt index takes a name's zone from it, so the order
//     of backups survives a change of time zone (see instantOf).
//   - The backup root and host folders are 0700, backup files and the index
//     0600, whatever the umask; on Windows, folders it makes get an
//     owner-only ACL instead, inherited by the files (see package atomic).
//   - A config or backup that another program holds open (Windows) is
//     retried for about 2 s, then ErrInUse with nothing changed.
//   - Verify (on a store opened with Options.Inspect) changes nothing: it
//     neither builds a missing index nor migrates an old one, and reports
//     a damaged or newer index as a Problem instead of failing to open.
//     Each Problem has a stable Kind.
//   - Reindex never rewrites a backup file and never deletes an unknown
//     file; it deletes a backup file only when it is the plain copy of a
//     backup that the index holds as .zst with the same bytes (an
//     interrupted compact, which it finishes: one backup, its entry and
//     original path kept). It moves a damaged index aside instead of
//     deleting it, keeps the entry of a backup whose bytes changed (the
//     damage stays visible), and a second run changes nothing.
//   - RestoreServers puts server entries of a backup into the current
//     config and changes no other byte of it (mcpconfig.SpliceServers,
//     checked by parsing the result), with Restore's checks, safety
//     backup and atomic replace.
//   - Import only reads the copies it adopts; a copy already held (same
//     host, sha256 and instant) is not adopted again.
//   - Every open compares each host folder with the state recorded when
//     hatch-backup last wrote it (one stat per folder) and names a folder
//     another program changed (see stale.go).
//
// Create parses each config in its host's format (JSON, JSONC, TOML) and
// records in the index whether it parsed (Backup.Parsed); an unparsable
// config is still backed up byte for byte, with a notice naming the path
// and the position.
//
// What it does not do: it never changes a config's bytes, it does not keep
// the owner of a restored file, and it cannot stop a host
// application from rewriting its config after a restore.
package store
