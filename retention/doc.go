// Package retention decides which backups a retention policy keeps and
// which it removes: the decisions behind "hatch-backup clean". It is pure:
// backups (Item), a Policy, the current instant and a time zone go in; one
// Decision per backup, with a reason, comes out.
//
// # Removal criteria
//
// A backup is a removal candidate when any criterion that is set holds
// (Hatch's two criteria; either one suffices):
//
//   - OlderThanDays N: it was created more than N × 24 h before now.
//     Strictly more: a backup exactly N × 24 h old is not older, one a
//     microsecond older is. This counts elapsed 24-hour periods, not
//     calendar days, so across a DST change "1 day" is still 24 h of real
//     time, not "the same wall-clock time yesterday". A backup dated after
//     now is never older, whatever N.
//   - KeepCount N: it is not among the N newest backups of its host. N = 0
//     makes every backup a candidate.
//
// A future-dated item (Item.Future: the caller's judgement that its date
// cannot be trusted; the store's rule is more than a day after now) is
// never a candidate: it is kept with the reason "future-dated", is not
// counted among the N newest, and the protections below pass it over.
// So a file dated 2099 never makes "--keep-count 1" remove the real
// newest backup, and is never removed by a count either.
//
// A nil pointer means the criterion is not set; 0 is a value. A policy
// with neither criterion is refused with ErrNoCriterion, a negative value
// with ErrInvalid. KeepDaily, KeepWeekly and KeepMonthly are protections,
// never criteria.
//
// # Protections
//
// A candidate is kept anyway when it is
//
//   - the newest backup of its host;
//   - the newest backup of its host that is not Unparsable, so a host whose
//     latest backups are broken still keeps one it can restore;
//   - the newest backup of its host that is not a Safety backup (the one a
//     restore without a timestamp takes), so cleaning up after a restore
//     keeps the backup just restored, not only the copy of what it replaced;
//   - the newest backup of its host in one of the last KeepDaily calendar
//     days, KeepWeekly ISO weeks (Monday to Sunday, named as time.ISOWeek
//     names them: 2024-12-30 is in 2025-W01) or KeepMonthly calendar months.
//
// Calendar buckets follow the wall clock in the location given to Decide:
// on a 23- or 25-hour DST day, every backup made that local day is in the
// same bucket. "The last N days" are the N calendar days ending with now's
// day in that location (today and the N-1 days before it), whether or not
// a backup was made on them; "the last N weeks" and "months" likewise end
// with now's week and month. Unlike restic, whose --keep-daily N keeps the
// last N days that have a snapshot (reaching further back when backups are
// sparse), a host idle for a month keeps nothing by keep-daily 7. A bucket's
// protection goes to its newest backup even when that one is kept for
// another reason; it does not pass to the next. Backups dated after now's
// day are in no bucket.
//
// Each host is judged on its own: one host's backups never change another
// host's decisions.
//
// # Reasons
//
// A backup that is not a candidate says why, naming each criterion set:
// "one of the 5 newest, not older than 30 days". A protected candidate
// gives the first protection that applies, in the order above: "newest of
// cursor", "newest that parses", "newest that is not a safety backup",
// "newest of 2025-09-21 (keep-daily 7)",
// "newest of week 2025-W38 (keep-weekly 4)", "newest of 2025-09
// (keep-monthly 6)". A removed backup names its criterion, age first when
// both hold: "older than 30 days", "not among the 5 newest".
//
// # Order and ties
//
// Decisions come ordered by host, then newest first. Backups of one host
// created at the same instant are ordered by ID, the greater ID counting as
// the newer (then by Unparsable, Safety and Future, each counting as newer
// when set), so the order, and with it "the newest" and "the N newest", is
// total. "Newest" always means among the items that are not Future.
//
// # Guarantees
//
//   - Pure and deterministic: no I/O, no clock, no globals; the same items
//     in any order give the same decisions. Decide does not modify its input.
//   - The newest backup of every host that is not Future, its newest that
//     parses and its newest that is not a safety backup are always kept,
//     under every policy; so is every Future backup.
//   - Exactly one decision per item; nothing at all on an invalid policy.
//   - O(n log n): one sort, then one pass per host.
//
// # What it does not do
//
// It deletes nothing and reads nothing: no files, no index, no clock. The
// caller gathers the items, removes the backups marked Keep == false (from
// the index and the files, under the store lock) and should compute the
// decisions under that same lock, so that "the newest" is still the newest
// when it removes. It does not check IDs: duplicates are judged as separate
// backups. It does not parse configs: Unparsable is the caller's finding.
package retention
