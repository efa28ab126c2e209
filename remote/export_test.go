package remote

import "context"

// PutForTest writes name as put does.
func (r *Remote) PutForTest(ctx context.Context, name string, data []byte) error {
	return r.put(ctx, name, data)
}
