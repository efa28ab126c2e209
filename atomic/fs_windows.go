package atomic

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// Windows has no directory fsync. What comes nearest is
// MOVEFILE_WRITE_THROUGH: MoveFileEx returns only once the move has been
// flushed to disk. Both renames use it (os.Rename does not). File.Sync is
// FlushFileBuffers.

// renameNoReplace is MoveFileEx without MOVEFILE_REPLACE_EXISTING, which
// fails with ERROR_ALREADY_EXISTS (matching fs.ErrExist) on a taken name.
func renameNoReplace(oldpath, newpath string) error {
	return moveFile(oldpath, newpath, windows.MOVEFILE_WRITE_THROUGH)
}

// rename replaces newpath. It fails (access denied, sharing violation) while
// another process holds newpath open without FILE_SHARE_DELETE; ReplaceFile
// retries those (inUse). A read-only newpath is replaced as rename(2) would
// on Unix: its read-only attribute is cleared for the move (the new file
// carries the attribute over, see ReplaceFile's mode) and put back if the
// move fails.
func rename(oldpath, newpath string) error {
	const flags = windows.MOVEFILE_REPLACE_EXISTING | windows.MOVEFILE_WRITE_THROUGH
	err := moveFile(oldpath, newpath, flags)
	if !errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return err
	}
	name, perr := windows.UTF16PtrFromString(winLongPath(absPath(newpath)))
	if perr != nil {
		return err
	}
	attrs, aerr := windows.GetFileAttributes(name)
	if aerr != nil || attrs&windows.FILE_ATTRIBUTE_READONLY == 0 {
		return err
	}
	if windows.SetFileAttributes(name, attrs&^windows.FILE_ATTRIBUTE_READONLY) != nil {
		return err
	}
	if err = moveFile(oldpath, newpath, flags); err != nil {
		windows.SetFileAttributes(name, attrs)
	}
	return err
}

// moveFile calls MoveFileEx with absolute, extended-length paths: past
// MAX_PATH the call needs the \\?\ prefix that Go's os package adds to its
// own calls (winLongPath).
func moveFile(oldpath, newpath string, flags uint32) error {
	from, err := windows.UTF16PtrFromString(winLongPath(absPath(oldpath)))
	if err == nil {
		var to *uint16
		if to, err = windows.UTF16PtrFromString(winLongPath(absPath(newpath))); err == nil {
			err = windows.MoveFileEx(from, to, flags)
		}
	}
	if err != nil {
		return &os.LinkError{Op: "movefileex", Old: oldpath, New: newpath, Err: err}
	}
	return nil
}

// absPath makes p absolute, as the \\?\ form requires; it keeps p when
// that fails (the call then fails on p itself).
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// inUse: a sharing, lock or access violation, worth retrying.
func inUse(err error) bool { return windowsInUse(err) }

// mkdirOS makes a directory; an owner-only one (0700) gets the owner-only
// DACL, since Windows ignores mode bits: without it the folder would
// inherit its parent's entries, which under a profile folder usually
// include Administrators and may include other users. A directory whose
// DACL cannot be set is removed again.
func mkdirOS(name string, perm os.FileMode) error {
	if err := os.Mkdir(name, perm); err != nil {
		return err
	}
	if !ownerOnly(perm) {
		return nil
	}
	if err := restrictToOwner(name); err != nil {
		return errors.Join(&os.PathError{Op: "set owner-only ACL", Path: name, Err: err}, os.Remove(name))
	}
	return nil
}

// restrictToOwner sets ownerOnlySDDL's DACL on dir for the current user.
func restrictToOwner(dir string) error {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return err
	}
	sd, err := windows.SecurityDescriptorFromString(ownerOnlySDDL(user.User.Sid.String()))
	if err != nil {
		return err
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return err
	}
	name, err := windows.UTF16PtrFromString(winLongPath(absPath(dir)))
	if err != nil {
		return err
	}
	// FILE_FLAG_BACKUP_SEMANTICS opens a directory; the reparse flag keeps
	// a symlink swapped in meanwhile from redirecting the ACL.
	h, err := windows.CreateFile(name, windows.READ_CONTROL|windows.WRITE_DAC,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
		windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return err
	}
	defer windows.CloseHandle(h)
	return windows.SetSecurityInfo(h, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION, nil, nil, dacl, nil)
}
