package blob

import (
	"strings"
	"testing"
)

func TestReheadDelta(t *testing.T) {
	base := []byte(`{"a":1,"b":"` + strings.Repeat("x", 300) + `"}`)
	src := []byte(`{"a":2,"b":"` + strings.Repeat("x", 300) + `"}`)
	d, err := EncodeDelta(src, base, DeltaHeader{Base: "2026-01-01_00-00-00"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReheadDelta(d, DeltaHeader{Base: "2026-01-01_05-30-00"})
	if err != nil {
		t.Fatal(err)
	}
	h, frame, err := ParseDelta(r)
	if err != nil || h.Base != "2026-01-01_05-30-00" {
		t.Fatalf("%+v %v", h, err)
	}
	got, err := DecodeDelta(frame, base, int64(len(src)))
	if err != nil || string(got) != string(src) {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := ReheadDelta([]byte("not a delta"), h); err == nil {
		t.Fatal("a file that is no delta was reheaded")
	}
}
