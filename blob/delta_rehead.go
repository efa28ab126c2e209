package blob

// ReheadDelta returns the .delta file with its header naming h.Base
// instead: the same frame, the same base bytes, under the timestamp
// another store gives that base (pull into another time zone).
func ReheadDelta(file []byte, h DeltaHeader) ([]byte, error) {
	if _, frame, err := ParseDelta(file); err != nil {
		return nil, err
	} else if h.Base == "" || len(h.Base) > maxBaseLen {
		return nil, ErrCorrupt
	} else {
		return append(appendHeader(make([]byte, 0, 64+len(frame)), h), frame...), nil
	}
}
