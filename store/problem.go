package store

import (
	"fmt"
	"sort"
)

// ProblemKind names one kind of damage verify finds. The strings are
// stable: scripts match on them.
type ProblemKind string

// The kinds of damage, as verify reports them.
const (
	// ProblemMissing: an indexed backup's file does not exist.
	ProblemMissing ProblemKind = "missing"
	// ProblemSize: the file's size is not the indexed size (truncated,
	// emptied, grown).
	ProblemSize ProblemKind = "size-mismatch"
	// ProblemChecksum: the file's (decoded) bytes do not match the
	// indexed sha256.
	ProblemChecksum ProblemKind = "checksum-mismatch"
	// ProblemUndecodable: a .zst backup that is not a zstd frame, or
	// decodes to more than it should (a decompression bomb).
	ProblemUndecodable ProblemKind = "undecodable"
	// ProblemUnindexed: a backup file the index does not know (reindex
	// adopts it).
	ProblemUnindexed ProblemKind = "unindexed"
	// ProblemInterruptedCompact: a backup file the index does not list
	// beside its other form (NAME and NAME.zst): what a compact killed
	// half-way leaves. Reindex finishes it: one backup, its entry kept.
	ProblemInterruptedCompact ProblemKind = "interrupted-compact"
	// ProblemTemp: a temp file left by an interrupted write (reindex
	// removes it).
	ProblemTemp ProblemKind = "temp-file"
	// ProblemUnknown: a file or folder that is neither a backup, a temp
	// file nor the store's own; never deleted.
	ProblemUnknown ProblemKind = "unknown-file"
	// ProblemMode: a folder not 0700 or a file not 0600. Reindex
	// tightens one that is too open; one that lacks the owner's access
	// stays (nothing ever adds access): chmod it.
	ProblemMode ProblemKind = "bad-mode"
	// ProblemUnreadable: a backup or host folder that could not be read
	// for want of permission (a folder at mode 000): what is in it was not
	// checked. Its bad-mode problem says what its mode is.
	ProblemUnreadable ProblemKind = "unreadable"
	// ProblemOwner: a file or folder owned by another user.
	ProblemOwner ProblemKind = "bad-owner"
	// ProblemSymlink: a symlink where a backup, a host folder or the
	// index belongs.
	ProblemSymlink ProblemKind = "symlink"
	// ProblemNotRegular: a folder, FIFO or device where a backup belongs.
	ProblemNotRegular ProblemKind = "not-regular"
	// ProblemIndexCorrupt: the index file is damaged (0 bytes, garbage,
	// truncated, failing bbolt's check); reindex moves it aside.
	ProblemIndexCorrupt ProblemKind = "index-corrupt"
	// ProblemIndexNewer: the index was written by a newer hatch-backup.
	ProblemIndexNewer ProblemKind = "index-newer-schema"
	// ProblemNameMismatch: an index entry whose file name does not carry
	// its record's host, timestamp or compression.
	ProblemNameMismatch ProblemKind = "name-mismatch"
	// ProblemDeltaBase: a delta backup whose base (the backup whose bytes
	// it is encoded against) is missing, damaged or itself unreadable:
	// the delta cannot be read back. Verify reports it for every backup
	// the broken base makes unreadable, naming the base.
	ProblemDeltaBase ProblemKind = "delta-base"
)

// Problem is one thing verify found wrong. Host and Timestamp are empty
// when they do not apply (an unknown file in the root, the index).
type Problem struct {
	Kind      ProblemKind
	Host      string
	Timestamp string
	Path      string
	Detail    string
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s: %s", p.Kind, p.Path)
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// sortProblems orders problems by path, then kind, so reports compare.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Kind < ps[j].Kind
	})
}
