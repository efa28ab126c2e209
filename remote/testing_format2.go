package remote

import (
	"bytes"
	"context"
	"encoding/json"
)

// UploadFormat2ForTest writes data as the previous release (catalogue
// format 2) wrote a backup: one whole object of its original bytes,
// padded and sealed whole; its entry has Length 0. Tests only: they
// check that such remotes still pull.
func (r *Remote) UploadFormat2ForTest(ctx context.Context, data []byte) (string, error) {
	name := "data/" + randomName()
	sealed, err := seal(r.keys.data, name, pad(data))
	if err != nil {
		return "", err
	}
	return name, r.put(ctx, name, sealed)
}

// AppendFormat2ForTest writes a catalogue segment of format 2 adding
// added (entries of UploadFormat2ForTest objects). Tests only.
func (r *Remote) AppendFormat2ForTest(ctx context.Context, c *Catalogue, added []Entry) error {
	var buf bytes.Buffer
	buf.WriteString(segmentMagic)
	buf.WriteByte(2)
	if err := json.NewEncoder(&buf).Encode(segment{Format: 2, Parents: c.Segments, Added: added}); err != nil {
		return err
	}
	name := "cat/" + randomName()
	sealed, err := seal(r.keys.catalogue, name, buf.Bytes())
	if err != nil {
		return err
	}
	return r.put(ctx, name, sealed)
}
