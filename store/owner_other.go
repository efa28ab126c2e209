//go:build !unix

package store

import "io/fs"

// modeMatters: Windows keeps only a read-only bit; ACLs guard the files.
const modeMatters = false

// foreignOwner: ownership is not checked here.
func foreignOwner(fs.FileInfo) string { return "" }
