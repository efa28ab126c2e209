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
// segment that a later one names is found (ErrIntegrity). Deleting the
// newest segments cannot be told from a push that never happened, by
// anyone who has not read them: this is the limit of a store that keeps
// no local memory of the remote.
//
// From 64 segments on, Consolidate writes one segment holding them all
// (it names them as superseded) and then deletes them.
//
// Backups are padded before they are sealed (see padded).
//
// The passphrase goes through scrypt once per run (opening config); every
// object key is derived from the master key with HKDF.
package remote
