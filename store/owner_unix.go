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
	if uid := euid(); int64(st.Uid) != int64(uid) {
		return fmt.Sprintf("owned by uid %d, not by uid %d", st.Uid, uid)
	}
	return ""
}
