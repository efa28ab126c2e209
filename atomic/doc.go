// Package atomic writes files so that a crash, a kill -9 or a power cut at
// any instant leaves either the old content or the new, never an empty or a
// partial file. It implements the write protocol of docs/RELIABILITY.md:
//
//  1. a temp file in the destination's own directory, named
//     "." + base + "." + 16 random hex digits + ".tmp", created with
//     O_CREATE|O_EXCL and mode 0600;
//  2. write everything and check the byte count (ErrShortWrite); the
//     streaming forms (WriteNewFromAt, ReplaceFileFrom) let a callback
//     write the content through a fixed buffer instead, and an error it
//     returns (a checksum found wrong at the end) fails the whole write;
//  3. chmod the open file to the final mode, so the umask never matters
//     (WriteNewAt also sets the modification time here, by name, so the
//     fsync makes it as durable as the bytes);
//  4. fsync; a failed fsync fails the operation and is never retried;
//  5. close, then publish: WriteNew never replaces a name (renameat2
//     RENAME_NOREPLACE on Linux, renamex_np RENAME_EXCL on macOS, MoveFileEx
//     without MOVEFILE_REPLACE_EXISTING on Windows, link + unlink elsewhere
//     or where the file system lacks those); ReplaceFile is a plain rename;
//  6. fsync the directory (EINVAL/ENOTSUP from the file system count as
//     success).
//
// On any failure the temp file is removed and the destination is as it was.
// Temp files are named by internal/tempname, so that whoever holds the store lock can
// tell a crash's leftovers (the only way one survives) from real files.
//
// ReplaceFile writes through a symlink to the file it resolves to and keeps
// the link; it keeps the target's permission bits, refuses anything but a
// regular file and never creates a directory. EnsureDir makes a directory
// with an exact mode and tightens one that is too open. WriteWithBackup wraps
// ReplaceFile with a Backuper and rolls back when the write fails.
//
// All I/O goes through the FS seam: OS() in production, a Recorder in tests
// to record the call order and inject faults.
//
// # Windows
//
// Both publishes are MoveFileEx with MOVEFILE_WRITE_THROUGH (with
// MOVEFILE_REPLACE_EXISTING for ReplaceFile; without it, a taken name fails
// with ERROR_ALREADY_EXISTS, which matches fs.ErrExist). File.Sync is
// FlushFileBuffers; there is no directory fsync. The temp file is closed
// before the move, as Windows cannot move an open file. A host app or an
// antivirus holding the file makes MoveFileEx fail with a sharing, lock or
// access violation: the publish is retried with growing pauses for about
// 2 s, then ErrInUse, with the destination unchanged and the temp file
// removed. The retry is ordinary code driven by an error classifier
// (windowsInUse) so that its tests run on every OS. A read-only target is
// replaced as on Unix (the attribute is cleared for the move and travels
// with the new file). Paths of 248 characters or more get the \\?\ prefix
// for the calls made here directly (MoveFileEx, CreateFile), as Go's os
// package does for its own.
//
// Mode bits are not access control on Windows (only the owner write bit
// exists, as the read-only attribute). So a directory made by EnsureDir
// with an owner-only mode (0700) gets an owner-only DACL instead: full
// control for the current user and SYSTEM, inherited by every file and
// folder made inside, and protected from the parent's entries. The reason
// is the same as for 0700 on Unix: backups hold API keys, and a folder
// under a profile otherwise inherits entries that may let other accounts
// read it. An existing directory's ACL is left alone (EnsureDir never
// tightens on Windows).
//
// What it does not guarantee:
//   - Durability is only as good as the disk's honouring of fsync: a drive
//     that acknowledges writes it has only cached can still lose them.
//     (On macOS, Go's File.Sync issues F_FULLFSYNC, which asks the drive to
//     flush its cache too; plain fsync there does not.)
//   - Windows has no directory fsync: SyncDir is a no-op there, and the
//     renames use MOVEFILE_WRITE_THROUGH instead. Replacing a file that
//     another program holds open for longer than the retries fails there
//     (ErrInUse).
//   - Only the permission bits are kept by ReplaceFile: owner and group,
//     setuid/setgid, ACLs, extended attributes and the inode (hence hard
//     links to the old file) are not. The new file belongs to the writer.
//   - Atomicity is per file. Nothing orders two writes against each other,
//     and concurrent writers are not serialised: ReplaceFile is last writer
//     wins; callers hold a lock.
//   - Changes made between checking a target and renaming over it (a file
//     swapped for a symlink, say) are not detected; the containing
//     directories are expected to be the user's own.
//   - A destination base name longer than the file system allows minus the
//     22 bytes of the temp decoration cannot be written.
//   - If the final directory fsync of ReplaceFile fails, the new content is
//     already visible (the old is gone) but may not survive a crash; the
//     error says so. WriteNew in that case removes what it published.
package atomic
