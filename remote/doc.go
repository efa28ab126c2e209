// Package remote keeps an encrypted, authenticated copy of backups in an
// S3-compatible object store. It is the only package that speaks S3 and
// the only one that holds key material.
//
// Layout under s3://BUCKET/PREFIX/:
//
//	config        the remote's key file: a random 256-bit master key,
//	              encrypted with age to a scrypt passphrase recipient.
//	              Written once, with If-None-Match: *.
//	data/<rand>   one backup's bytes, sealed with XChaCha20-Poly1305.
//	cat/<rand>    one catalogue segment: backups added and removed, and
//	              the names of every segment its writer had read.
//
// Object names are 128 random bits: the bucket learns nothing of hosts,
// paths, timestamps or which objects belong together. Every sealed object
// is bound to its own name (the name is the AEAD's associated data), so an
// object moved, swapped for another valid one or truncated fails to open.
//
// The catalogue is the set of all segments. A segment is never rewritten:
// a push appends a new one (random name, conditional put), so two machines
// pushing at once each add their own segment and the next reader merges
// both. Each segment names the segments its writer had read, so a deleted
// segment that a later one names is found (ErrIntegrity). With a Cache, a
// machine remembers the segments it has seen or written: one that is gone
// and that no listed consolidation supersedes is ErrIntegrity too. A
// machine that never read a segment cannot tell its deletion from a push
// that never happened.
//
// From 64 segments on, Consolidate writes one segment holding them all
// (it names them as superseded) and then deletes them.
//
// Backups are padded before they are sealed (see padded).
//
// The passphrase goes through age's scrypt once per run (opening config),
// or, with a Cache that holds this key file's master key, through a cheap
// scrypt (2^10) that opens the cached copy; every object key is derived
// from the master key with HKDF. The Cache also keeps the plaintexts of
// the segments read (sealed under a key derived from the master key), so
// that a segment is fetched once, and the state of the last push that
// found nothing to upload (see UpToDate). See cache.go.
package remote
