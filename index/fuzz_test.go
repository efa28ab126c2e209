package index

import (
	"errors"
	"testing"
)

// FuzzDecodeRecord: decoding never panics, fails only with ErrCorrupt, and
// whatever decodes encodes again to a value that decodes to the same record.
func FuzzDecodeRecord(f *testing.F) {
	for _, r := range validRecords() {
		v, err := encodeRecord(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(r.Host, recordKey(r.Created), v)
	}
	f.Add("vscode", []byte{0, 0, 0, 0, 0, 0, 0, 0}, []byte{1, 0})
	f.Add("", []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, host string, key, value []byte) {
		r, err := decodeRecord(host, key, value)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decode error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		v, err := encodeRecord(r)
		if err != nil {
			t.Fatalf("decoded %+v but cannot encode it: %v", r, err)
		}
		again, err := decodeRecord(r.Host, recordKey(r.Created), v)
		if err != nil {
			t.Fatalf("re-encoded %+v does not decode: %v", r, err)
		}
		if !equalRecords(again, r) {
			t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", again, r)
		}
	})
}
