//go:build unix

package store

import (
	"fmt"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// modeMatters: permission bits protect the backups here.
const modeMatters = true

// euid is this process's effective user, asked once.
var euid = sync.OnceValue(os.Geteuid)

// foreignOwner says why fi is not owned by this process's user, or "".
func foreignOwner(fi fs.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return foreignUID(st.Uid)
}

// foreignUID is foreignOwner of a file owned by uid.
func foreignUID(uid uint32) string {
	if me := euid(); int64(uid) != int64(me) {
		return fmt.Sprintf("owned by uid %d, not by uid %d", uid, me)
	}
	return ""
}
