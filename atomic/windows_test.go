//go:build windows

package atomic

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// The numbers the classifier uses are the real Win32 codes.
func TestWindowsErrnoValues(t *testing.T) {
	for got, want := range map[error]error{
		winErrorAccessDenied:     windows.ERROR_ACCESS_DENIED,
		winErrorSharingViolation: windows.ERROR_SHARING_VIOLATION,
		winErrorLockViolation:    windows.ERROR_LOCK_VIOLATION,
	} {
		if got != want {
			t.Errorf("%v != %v", got, want)
		}
	}
}

// holdOpen opens path as a host app might: without FILE_SHARE_DELETE,
// which forbids renaming over it until closed.
func holdOpen(t *testing.T, path string) (release func()) {
	t.Helper()
	name, _ := windows.UTF16PtrFromString(path)
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			windows.CloseHandle(h)
		}
	}
	t.Cleanup(release)
	return release
}

func TestReplaceFileHeldOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claude_desktop_config.json")
	writeFile(t, path, "old", 0o600)
	release := holdOpen(t, path)
	err := ReplaceFile(OS(), path, []byte("new"), 0o600)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("got %v, want ErrInUse", err)
	}
	release()
	assertContent(t, path, "old")
	assertNoTemp(t, dir)
	if err := ReplaceFile(OS(), path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "new")
}

// A read-only config is replaced, as rename(2) would on Unix, and stays
// read-only.
func TestReplaceFileReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json")
	writeFile(t, path, "old", 0o444)
	if err := ReplaceFile(OS(), path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "new")
	assertMode(t, path, 0o444)
}

// Past MAX_PATH: both publishes and EnsureDir work on a 300+ character
// path.
func TestLongPath(t *testing.T) {
	dir := t.TempDir()
	for len(dir) < 300 {
		dir = filepath.Join(dir, strings.Repeat("d", 40))
	}
	if _, _, err := EnsureDir(OS(), dir, 0o700, true); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mcp.json.cursor.20250921_101112_131415")
	if err := WriteNew(OS(), path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(OS(), path, []byte("two"), 0o600); !errors.Is(err, ErrExist) {
		t.Fatalf("second WriteNew: %v, want ErrExist", err)
	}
	if err := ReplaceFile(OS(), path, []byte("three"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, path, "three")
}

// An owner-only directory gets a protected DACL for the user and SYSTEM
// only, inherited by what is created inside.
func TestEnsureDirOwnerOnlyACL(t *testing.T) {
	if underWine() {
		t.Skip("Wine keeps no ACLs: it derives them from Unix mode bits")
	}
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		t.Fatal(err)
	}
	me := user.User.Sid.String()
	dir := filepath.Join(t.TempDir(), "root")
	if _, _, err := EnsureDir(OS(), filepath.Join(dir, "cursor"), 0o700, true); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "cursor", "mcp.json.cursor.20250921_101112_131415")
	if err := WriteNew(OS(), file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, "cursor"), file} {
		sd, err := windows.GetNamedSecurityInfo(p, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
		if err != nil {
			t.Fatal(err)
		}
		control, _, err := sd.Control()
		if err != nil {
			t.Fatal(err)
		}
		dacl, _, err := sd.DACL()
		if err != nil || dacl == nil {
			t.Fatalf("%s: no DACL (%v)", p, err)
		}
		if p == dir && control&windows.SE_DACL_PROTECTED == 0 {
			t.Errorf("%s: DACL not protected: %s", p, sd)
		}
		sids := map[string]bool{}
		for i := uint32(0); i < uint32(dacl.AceCount); i++ {
			var ace *windows.ACCESS_ALLOWED_ACE
			if err := windows.GetAce(dacl, i, &ace); err != nil {
				t.Fatal(err)
			}
			sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
			sids[sid.String()] = true
		}
		delete(sids, me)
		delete(sids, "S-1-5-18") // SYSTEM
		if len(sids) != 0 || dacl.AceCount == 0 {
			t.Errorf("%s: DACL %s grants others too: %v", p, sd, sids)
		}
	}
	if _, err := os.Stat(file); err != nil {
		t.Errorf("the owner cannot stat the backup: %v", err)
	}
}

// underWine reports whether this Windows is Wine (its ntdll exports
// wine_get_version), whose security descriptors are not Windows'.
func underWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
