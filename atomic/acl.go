package atomic

import "io/fs"

// ownerOnlySDDL is the security descriptor (SDDL) that EnsureDir gives a
// directory made with an owner-only mode (0700) on Windows, where mode bits
// mean nothing: a protected DACL ("P": the parent's entries are not
// inherited) allowing full control ("FA") to the user with SID userSID and
// to SYSTEM ("SY", which backup and antivirus software run as), both
// inherited by every file and folder created inside ("OICI"). Anyone else,
// including other users and administrators without taking ownership, is
// denied. It is a string so that the tests check it on every OS.
func ownerOnlySDDL(userSID string) string {
	return "D:P(A;OICI;FA;;;" + userSID + ")(A;OICI;FA;;;SY)"
}

// ownerOnly reports whether perm gives nothing to group and others: such a
// directory gets the owner-only ACL on Windows.
func ownerOnly(perm fs.FileMode) bool { return perm.Perm()&0o077 == 0 }
