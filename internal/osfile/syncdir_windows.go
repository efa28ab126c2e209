package osfile

// SyncDir does nothing: Windows cannot sync a directory handle. NTFS
// journals the directory entry itself, and the atomic package's renames
// ask MoveFileEx to write through.
func SyncDir(string) error { return nil }
