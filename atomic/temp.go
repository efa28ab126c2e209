package atomic

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

const (
	tempSuffix   = ".tmp"
	tempRandLen  = 16 // hex digits
	tempAttempts = 100
)

// TempName returns "." + base + "." + 16 random hex digits + ".tmp", the
// name IsTemp recognises, so that whoever holds the store lock knows a
// file left under it by a crash for a leftover. The index names its own
// temp files (a new index, a compacted copy) with it too. The digits need
// to be unpredictable to other processes, not secret: the runtime's
// per-process ChaCha8 generator gives them without a system call
// (crypto/rand's first use costs a create about 0.08 ms), and O_EXCL (in
// this package) or the store lock (for the index) settles any collision.
func TempName(base string) string {
	var b [tempRandLen / 2]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return "." + base + "." + hex.EncodeToString(b[:]) + tempSuffix
}

// IsTemp reports whether a base file name is one of this package's temp
// files, that is, a leftover of an interrupted write: exactly
// "." + base + "." + 16 lower-case hex digits + ".tmp", with a non-empty
// base and no path separator.
func IsTemp(name string) bool {
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

// createTemp creates a new temp file for base in dir, mode 0600. O_EXCL
// makes a planted file or symlink at the chosen name fail instead of being
// followed; a taken name (practically never) just means another draw.
func createTemp(fsys FS, dir, base string) (File, error) {
	for i := 1; ; i++ {
		name := filepath.Join(dir, TempName(base))
		f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !errors.Is(err, fs.ErrExist) || i == tempAttempts {
			return f, err
		}
	}
}
