//go:build !linux

package index

import bolt "go.etcd.io/bbolt"

// releasesPages: releasePages does nothing here.
const releasesPages = false

// releasePages is a no-op where MADV_DONTNEED does not drop pages at once.
func releasePages(*bolt.DB, *bolt.Tx) {}
