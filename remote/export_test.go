package remote

import "context"

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

// Upload writes data as one whole object of the previous format.
func (r *Remote) Upload(ctx context.Context, data []byte) (string, error) {
	return r.UploadFormat2ForTest(ctx, data)
}
