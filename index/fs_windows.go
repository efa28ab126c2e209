//go:build windows

package index

// noFollow is 0: Windows has no O_NOFOLLOW; Open and AcquireLock refuse a
// symlink by an Lstat just before opening instead (a narrow race remains).
const noFollow = 0
