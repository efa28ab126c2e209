package index

import (
	"errors"
	"testing"
)

// FuzzDecodeRecord: decoding never panics, fails only with ErrCorrupt, and
// whatever decodes encodes again to a value that decodes to the same record.
// Values of version 3 resolve their path ids in fuzzPaths (ids 1 to 3;
// any other id dangles).
func FuzzDecodeRecord(f *testing.F) {
	table := fuzzPaths()
	for _, r := range validRecords() {
		v, err := encodeRecord(r, &table)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(r.Host, recordKey(r.Created), v)
	}
	f.Add("vscode", []byte{0, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 0})
	f.Add("", []byte{}, []byte{})
	dangling := rec("vscode", t0)
	dangling.OriginalPath = ""
	v, _ := encodeRecord(dangling, &table)
	v[len(v)-35] = 9 // the path id, just before the sha256
	f.Add("vscode", recordKey(t0), v)
	f.Fuzz(func(t *testing.T, host string, key, value []byte) {
		paths := fuzzPaths()
		r, err := decodeRecord(host, key, value, &paths)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		v, err := encodeRecord(r, &paths)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", r, err)
		}
		again, err := decodeRecord(r.Host, recordKey(r.Created), v, &paths)
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", r, err)
		}
		if !equalRecords(again, r) {
			t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", again, r)
		}
	})
}

// fuzzPaths is the path table of the fuzz target's version 3 values.
func fuzzPaths() memPaths {
	return memPaths{"/home/user/.config/claude-desktop/config.json", `C:\Users\someone\AppData\Roaming\Claude\claude_desktop_config.json`, "/x"}
}
