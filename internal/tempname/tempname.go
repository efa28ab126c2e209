// Package tempname names the temp files of hatch-backup's write protocol
// and recognises them. Package atomic writes backups and configs under
// these names and the index builds and compacts index files under them, so
// that whoever holds the store lock knows any file so named for a crash's
// leftover (verify reports it, reindex removes it). A leaf: it imports the
// standard library only.
package tempname

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"path/filepath"
	"strings"
)

const (
	tempSuffix  = ".tmp"
	tempRandLen = 16 // hex digits
)

// Name returns "." + base + "." + 16 random hex digits + ".tmp", the
// name Is recognises, so that whoever holds the store lock knows a
// file left under it by a crash for a leftover. The index names its own
// temp files (a new index, a compacted copy) with it too. The digits need
// to be unpredictable to other processes, not secret: the runtime's
// per-process ChaCha8 generator gives them without a system call
// (crypto/rand's first use costs a create about 0.08 ms), and O_EXCL (package
// atomic) or the store lock (for the index) settles any collision.
func Name(base string) string {
	var b [tempRandLen / 2]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return "." + base + "." + hex.EncodeToString(b[:]) + tempSuffix
}

// Is reports whether a base file name is one of this package's temp
// files, that is, a leftover of an interrupted write: exactly
// "." + base + "." + 16 lower-case hex digits + ".tmp", with a non-empty
// base and no path separator.
func Is(name string) bool {
	if strings.ContainsAny(name, "/"+string(filepath.Separator)) || !strings.HasPrefix(name, ".") {
		return false
	}
	rest, ok := strings.CutSuffix(name[1:], tempSuffix)
	// rest is base + "." + hex, with a base of at least one byte.
	if !ok || len(rest) < tempRandLen+2 {
		return false
	}
	dot := len(rest) - tempRandLen - 1
	return rest[dot] == '.' && isLowerHex(rest[dot+1:])
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
