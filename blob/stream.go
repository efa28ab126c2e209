package blob

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// DecompressStream decodes the zstd frames of r as it is read, one block
// at a time: for a file too large to hold whole. Its memory is the
// frame's window (at most MaxDecodedSize), not the file's size. A frame
// that does not decode is ErrCorrupt when read. Close releases it.
func DecompressStream(r io.Reader) (io.ReadCloser, error) {
	d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxMemory(MaxDecodedSize))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return streamReader{d}, nil
}

// streamReader marks decoding errors as ErrCorrupt.
type streamReader struct{ d *zstd.Decoder }

func (s streamReader) Read(p []byte) (int, error) {
	n, err := s.d.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return n, err
}

func (s streamReader) Close() error {
	s.d.Close()
	return nil
}
