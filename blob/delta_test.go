package blob

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// deltaPair is a config and a later version of it: a counter and one
// entry changed.
func deltaPair() (base, src []byte) {
	var b bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&b, `{"project%d": {"history": ["prompt %d about the parser"], "cost": %d.25}},`, i, i*7, i)
	}
	base = append([]byte(`{"numStartups": 41, "projects": [`), b.Bytes()...)
	src = bytes.Replace(base, []byte(`"numStartups": 41`), []byte(`"numStartups": 42`), 1)
	src = bytes.Replace(src, []byte(`"cost": 1000.25`), []byte(`"cost": 1003.75, "history2": ["fix the tests"]`), 1)
	return base, src
}

func TestDeltaRoundTrip(t *testing.T) {
	base, src := deltaPair()
	d, err := EncodeDelta(src, base, DeltaHeader{Base: "20250101_120000_000000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(d) > 300 || len(d) >= len(Compress(src)) {
		t.Errorf("delta of a small change is %d bytes (zstd alone: %d)", len(d), len(Compress(src)))
	}
	h, frame, err := ParseDelta(d)
	if err != nil || h.Base != "20250101_120000_000000" {
		t.Fatalf("header %+v, %v", h, err)
	}
	got, err := DecodeDelta(frame, base, int64(len(src)))
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("decoded %d bytes, %v", len(got), err)
	}
	if _, err := DecodeDelta(frame, base, int64(len(src)-1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	other := bytes.Replace(base, []byte("parser"), []byte("lexer!"), 1)
	if got, err := DecodeDelta(frame, other, int64(len(src))); err == nil && bytes.Equal(got, src) {
		t.Errorf("decoded against the wrong base")
	}
	for _, bad := range [][]byte{nil, d[:7], Compress(src), append([]byte{}, d[:12]...)} {
		if _, _, err := ParseDelta(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("ParseDelta of %d bytes: %v", len(bad), err)
		}
	}
}

// TestDecodeDeltaInto: a buffer too small is replaced, one larger is
// used (its old content gone) and never lets the frame decode past its
// declared size.
func TestDecodeDeltaInto(t *testing.T) {
	base, src := deltaPair()
	d, err := EncodeDelta(src, base, DeltaHeader{Base: "20250101_120000_000000"})
	if err != nil {
		t.Fatal(err)
	}
	_, frame, _ := ParseDelta(d)
	for _, dst := range [][]byte{nil, make([]byte, 10), bytes.Repeat([]byte("x"), 3*len(src))} {
		got, err := DecodeDeltaInto(dst, frame, base, int64(len(src)))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("into %d bytes: decoded %d bytes, %v", cap(dst), len(got), err)
		}
		if cap(dst) >= len(src) && &got[0] != &dst[0] {
			t.Errorf("a buffer of %d bytes was not used", cap(dst))
		}
	}
}

// TestDeltaReferenceTool: a .delta file decodes with the reference
// `zstd -d --patch-from=BASE`, and what `zstd --patch-from` makes decodes
// with DecodeDelta.
func TestDeltaReferenceTool(t *testing.T) {
	zstdTool, err := exec.LookPath("zstd")
	if err != nil {
		t.Skip("the zstd tool is not installed")
	}
	base, src := deltaPair()
	dir := t.TempDir()
	bp, sp, dp := filepath.Join(dir, "base"), filepath.Join(dir, "src"), filepath.Join(dir, "src.delta")
	os.WriteFile(bp, base, 0o600)
	os.WriteFile(sp, src, 0o600)
	d, err := EncodeDelta(src, base, DeltaHeader{Base: "20250101_120000_000000"})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(dp, d, 0o600)
	out, err := exec.Command(zstdTool, "-q", "-d", "-c", "--patch-from="+bp, dp).Output()
	if err != nil || !bytes.Equal(out, src) {
		t.Fatalf("zstd -d --patch-from: %d bytes, %v", len(out), err)
	}
	ref, err := exec.Command(zstdTool, "-q", "-c", "--patch-from="+bp, sp).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeDelta(ref, base, int64(len(src)))
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("zstd --patch-from's frame decodes to %d bytes, %v", len(got), err)
	}
}
