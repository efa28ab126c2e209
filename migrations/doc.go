// Package migrations brings an index to the schema version this program
// writes, one numbered step at a time.
//
// Migrations are an ordered registry (migration N takes schema N-1 to N;
// migration 1 creates the bucket layout of an empty file). Up applies
// those above the index's schema version in order.
//
// # Guarantees
//
//   - Each migration and its schema-version bump commit in one bbolt
//     transaction (index.DB.Upgrade): a failed or interrupted migration
//     leaves the index at the version before it.
//   - Up is idempotent: on an index already at Latest it writes nothing.
//   - An index from a newer hatch-backup (schema above Latest) is refused
//     with ErrNewerSchema and left untouched.
//
// # What it does not do
//
//   - No downgrades: an older program refuses a newer index rather than
//     rewrite it.
//   - It does not lock: callers hold the store lock (index.AcquireLock)
//     exclusively while Up runs; a concurrent upgrade is caught by Upgrade
//     (index.ErrSchemaConflict), not waited for.
//   - A read-only caller uses Pending and cannot migrate.
package migrations
