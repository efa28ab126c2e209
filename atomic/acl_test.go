package atomic

import (
	"io/fs"
	"testing"
)

func TestOwnerOnlySDDL(t *testing.T) {
	const sid = "S-1-5-21-1004336348-1177238915-682003330-512"
	want := "D:P(A;OICI;FA;;;" + sid + ")(A;OICI;FA;;;SY)"
	if got := ownerOnlySDDL(sid); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for perm, want := range map[fs.FileMode]bool{0o700: true, 0o500: true, 0o600: true, 0o750: false, 0o755: false, 0o701: false} {
		if got := ownerOnly(perm); got != want {
			t.Errorf("ownerOnly(%v) = %v, want %v", perm, got, want)
		}
	}
}
