package blob

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// MaxDecodedSize caps every Decompress, whatever limit the caller passes:
// backups are config files, and a bigger limit would only let a hostile
// file ask for more memory.
const MaxDecodedSize = 1 << 30

// firstGuess is the first output buffer Decompress tries when the frame does
// not declare its size; if that is too small, the second try is the limit.
const firstGuess = 64 << 10

var (
	encOnce sync.Once
	enc     *zstd.Encoder
	decOnce sync.Once
	dec     *zstd.Decoder
)

// encoder is the shared encoder. EncodeAll is safe for concurrent callers;
// with concurrency 1 they take turns on one encoder's memory, which is
// plenty for config files.
func encoder() *zstd.Encoder {
	encOnce.Do(func() {
		var err error
		// WithZeroFrames: an empty input still gives a frame, so a 0-byte
		// .zst file is always damage, never "empty config".
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithZeroFrames(true))
		if err != nil {
			panic("blob: zstd encoder options: " + err.Error())
		}
	})
	return enc
}

// decoder is the shared decoder. DecodeAll is safe for concurrent callers
// (up to GOMAXPROCS at once, the others wait). WithDecodeAllCapLimit makes
// DecodeAll stop once the output would pass cap(dst), which is how
// Decompress enforces each caller's limit on one shared decoder.
func decoder() *zstd.Decoder {
	decOnce.Do(func() {
		var err error
		dec, err = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(0),
			zstd.WithDecoderMaxMemory(MaxDecodedSize),
			zstd.WithDecodeAllCapLimit(true),
		)
		if err != nil {
			panic("blob: zstd decoder options: " + err.Error())
		}
	})
	return dec
}

// Compress encodes src as one zstd frame, with a shared, reused encoder.
// The frame declares its content size and carries zstd's content checksum.
func Compress(src []byte) []byte {
	return encoder().EncodeAll(src, make([]byte, 0, len(src)/2+64))
}

// Decompress decodes a zstd frame with a shared, reused decoder, refusing
// (ErrTooLarge) to produce more than limit bytes; ErrCorrupt when it does
// not decode.
//
// A negative limit counts as 0, and a limit above MaxDecodedSize as
// MaxDecodedSize. Concatenated frames (as "cat a.zst b.zst" makes) decode to
// the concatenation of their contents, bounded by limit as a whole;
// skippable frames are skipped. Empty input is ErrCorrupt: Compress never
// produces it.
//
// Memory: a frame that declares a content size above limit is refused from
// its header, before any allocation. Otherwise the output buffer is the
// declared size (or 64 KiB when the frame does not say), and when the data
// does not fit, a second decode runs into a buffer of exactly limit. The
// decoder stops once its output passes the buffer's capacity; the block that
// passes it (at most 128 KiB) makes Go re-allocate the buffer once, about
// 1.25 x its size. So refusing a decompression bomb allocates about 2.5-3 x
// limit in all (measured by the tests), never its decoded size. A frame whose window exceeds
// what the decoder allows (512 MiB) is ErrTooLarge too.
//
// zstd's checksum only catches damage inside a frame: compare Sum of the
// result with the Sum of the original bytes (see the package doc).
func Decompress(src []byte, limit int64) ([]byte, error) {
	limit = min(max(limit, 0), MaxDecodedSize)
	var h zstd.Header
	if err := h.Decode(src); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if h.HasFCS && h.FrameContentSize > uint64(limit) {
		return nil, fmt.Errorf("%w: frame declares %d bytes, limit %d", ErrTooLarge, h.FrameContentSize, limit)
	}
	size := min(int64(firstGuess), limit)
	if h.HasFCS {
		size = int64(h.FrameContentSize)
	}
	for {
		out, err := decoder().DecodeAll(src, make([]byte, 0, size))
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, zstd.ErrWindowSizeExceeded):
			return nil, fmt.Errorf("%w: %v", ErrTooLarge, err)
		case !errors.Is(err, zstd.ErrDecoderSizeExceeded):
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		case size >= limit:
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
		}
		size = limit
	}
}

// StreamWindow is the window of the frames NewStreamEncoder writes, and
// so about the memory each side of a stream needs: a config of any size
// is encoded and decoded in this much history, not in its own size.
const StreamWindow = 8 << 20

// NewStreamEncoder returns an encoder writing one zstd frame to w that
// declares size as its content size (Close checks it: a config that grew
// or shrank while being read is an error, not a wrong frame) and carries
// zstd's content checksum. One block goes at a time (concurrency 1, lower
// memory), so its memory stays a few times StreamWindow whatever size is.
// The caller must Close it to finish the frame.
func NewStreamEncoder(w io.Writer, size int64) (*zstd.Encoder, error) {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true),
		zstd.WithLowerEncoderMem(true),
		zstd.WithWindowSize(StreamWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	e.ResetContentSize(w, size)
	return e, nil
}

// StreamDecoder decodes a zstd stream from a reader in bounded memory.
type StreamDecoder struct{ d *zstd.Decoder }

// MaxStreamWindow is the largest window NewStreamDecoder accepts: that
// of a frame Compress made of a config up to 64 MiB (one segment, its
// window its size), with room to spare. A frame asking for more is
// ErrTooLarge, so a hostile file cannot make a stream take more memory.
const MaxStreamWindow = 128 << 20

// NewStreamDecoder returns a decoder reading zstd frames from r in one
// goroutine with low memory: a frame's window (StreamWindow for the
// frames NewStreamEncoder writes, at most MaxStreamWindow) is all the
// history it keeps. Errors from Read are ErrCorrupt or, for a
// window larger than allowed, ErrTooLarge. Close releases it.
func NewStreamDecoder(r io.Reader) (*StreamDecoder, error) {
	d, err := zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(MaxStreamWindow),
		// No cap on the output: a stream is never held whole.
		zstd.WithDecoderMaxMemory(1<<62),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return &StreamDecoder{d: d}, nil
}

// Read reads decoded bytes.
func (s *StreamDecoder) Read(p []byte) (int, error) {
	n, err := s.d.Read(p)
	switch {
	case err == nil, err == io.EOF:
		return n, err
	case errors.Is(err, zstd.ErrWindowSizeExceeded):
		return n, fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	return n, fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// Close releases the decoder.
func (s *StreamDecoder) Close() { s.d.Close() }
