package index

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
)

// The parts of bbolt's file format (version 2) that Open reads before it
// lets bbolt map a file: the two meta pages. A page starts with a 16-byte
// header; a meta page's body is, in the machine's byte order:
//
//	magic u32, version u32, pageSize u32, flags u32,
//	root bucket (pgid u64, sequence u64), freelist pgid u64,
//	pgid u64 (the high-water mark: pages in use), txid u64,
//	checksum u64 (FNV-1a 64 of the 56 bytes before it)
const (
	boltPageHeader = 16
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltMetaSum    = 56 // bytes covered by the checksum
	boltMetaLen    = boltMetaSum + 8
)

// boltMeta is a valid meta page's page size, high-water mark and txid.
type boltMeta struct {
	pageSize   uint32
	pgid, txid uint64
}

// parseBoltMeta reads the meta page at the start of b; problem says why
// it is not a valid one (bad magic, version or checksum), in bbolt's words.
func parseBoltMeta(b []byte) (m boltMeta, problem string) {
	if len(b) < boltPageHeader+boltMetaLen {
		return m, "too small for a bbolt index"
	}
	b = b[boltPageHeader:]
	e := binary.NativeEndian
	h := fnv.New64a()
	h.Write(b[:boltMetaSum])
	switch {
	case e.Uint32(b[0:]) != boltMagic:
		return m, "invalid database (no bbolt meta page)"
	case e.Uint32(b[4:]) != boltVersion:
		return m, fmt.Sprintf("bbolt version mismatch (file format %d)", e.Uint32(b[4:]))
	case e.Uint64(b[boltMetaSum:]) != h.Sum64():
		return m, "checksum error in its meta pages"
	}
	return boltMeta{pageSize: e.Uint32(b[8:]), pgid: e.Uint64(b[40:]), txid: e.Uint64(b[48:])}, ""
}

// committedSize is the size a bbolt file must have for the pages its
// newest valid meta page counts (pgid × page size). With no valid meta
// page, problem says what is wrong with the first one. The second meta
// page is looked for where bbolt looks: one page size after the first,
// trying the sizes bbolt allows when the first is not valid.
//
// Reading this much is safe on any file, whereas a read-write bbolt open
// reads past the end of a truncated file (a fault in the mapping) and, on
// Windows, grows any file it maps, garbage included.
func committedSize(f io.ReaderAt, fileSize int64) (need int64, problem string) {
	var buf [boltPageHeader + boltMetaLen]byte
	read := func(at int64) (boltMeta, string) {
		if _, err := f.ReadAt(buf[:], at); err != nil {
			return boltMeta{}, fmt.Sprintf("it is %d bytes, too small for a bbolt index", fileSize)
		}
		return parseBoltMeta(buf[:])
	}
	best, problem := read(0)
	ok := problem == ""
	var second []int64
	if ok {
		second = []int64{int64(best.pageSize)}
	} else {
		for i := 0; i <= 14 && int64(1024)<<i < fileSize-1024; i++ {
			second = append(second, 1024<<i)
		}
	}
	for _, at := range second {
		if m, why := read(at); why == "" {
			if !ok || m.txid > best.txid {
				best, ok = m, true
			}
			break
		}
	}
	if !ok {
		return 0, problem
	}
	return int64(best.pgid) * int64(best.pageSize), ""
}
