package index

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// releasesPages: releasePages drops pages here.
const releasesPages = true

// releasePages lets the kernel drop the index's mapped pages from this
// process (MADV_DONTNEED). They stay in the page cache and fault back in
// when touched again, with the same bytes: bbolt never writes through the
// mapping, and no page a read transaction sees is rewritten while it is
// open. A listing of every record touches every page of the file; without
// this its resident size would grow to the size of the index.
func releasePages(b *bolt.DB, tx *bolt.Tx) {
	info := b.Info()
	if info == nil || info.Data == 0 || tx.Size() <= 0 {
		return
	}
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, info.Data, uintptr(tx.Size()), unix.MADV_DONTNEED)
}
