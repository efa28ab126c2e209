package remote

import (
	"bytes"
	"context"
	"encoding/json"
)

// PutForTest writes name as put does.
func (r *Remote) PutForTest(ctx context.Context, name string, data []byte) error {
	return r.put(ctx, name, data)
}

// AppendRawForTest writes plain as a sealed catalogue segment.
func (r *Remote) AppendRawForTest(ctx context.Context, plain []byte) error {
	name := "cat/" + randomName()
	sealed, err := seal(r.keys.catalogue, name, plain)
	if err != nil {
		return err
	}
	return r.put(ctx, name, sealed)
}

// SegmentMagic is segmentMagic.
const SegmentMagic = segmentMagic

// SetConsolidateAt lowers consolidateAt for a test.
func SetConsolidateAt(n int) func() {
	old := consolidateAt
	consolidateAt = n
	return func() { consolidateAt = old }
}

// CatalogueFormat is catalogueFormat.
const CatalogueFormat = catalogueFormat

// Upload writes data as one whole object in the previous format (2): the
// backup's original bytes, padded and sealed whole. Its entry has
// Length 0.
func (r *Remote) Upload(ctx context.Context, data []byte) (string, error) {
	name := "data/" + randomName()
	sealed, err := seal(r.keys.data, name, pad(data))
	if err != nil {
		return "", err
	}
	return name, r.put(ctx, name, sealed)
}

// AppendFormat2ForTest writes a segment in the previous format (2), as
// the previous release did: entries of whole objects.
func (r *Remote) AppendFormat2ForTest(ctx context.Context, c *Catalogue, added []Entry) error {
	var buf bytes.Buffer
	buf.WriteString(segmentMagic)
	buf.WriteByte(2)
	if err := json.NewEncoder(&buf).Encode(segment{Format: 2, Parents: c.Segments, Added: added}); err != nil {
		return err
	}
	return r.AppendRawForTest(ctx, buf.Bytes())
}
