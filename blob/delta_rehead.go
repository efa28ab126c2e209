package blob

import "fmt"

// ReheadDelta returns the .delta file with its header naming h.Base
// instead: the same frame against the same base bytes, under the
// timestamp another store gives that base (a pull into another time
// zone).
func ReheadDelta(file []byte, h DeltaHeader) ([]byte, error) {
	_, frame, err := ParseDelta(file)
	if err != nil {
		return nil, err
	}
	if h.Base == "" || len(h.Base) > maxBaseLen {
		return nil, fmt.Errorf("%w: base timestamp %q", ErrCorrupt, h.Base)
	}
	return append(appendHeader(make([]byte, 0, 64+len(frame)), h), frame...), nil
}
