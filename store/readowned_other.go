//go:build !unix

package store

import "os"

// ownedOpen is a plain open: there is no O_NOFOLLOW here (Windows), so
// readOwned judges the name with Lstat before it opens it.
const ownedOpen = os.O_RDONLY

// ownedLstat: readOwned must Lstat before it opens here.
const ownedLstat = true

// isSymlinkRefusal is false: a plain open never refuses a symlink.
func isSymlinkRefusal(error) bool { return false }
