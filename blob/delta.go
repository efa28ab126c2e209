package blob

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// DeltaSuffix marks a backup stored as a zstd delta against another
// backup of the same config (its base).
const DeltaSuffix = ".delta"

// A .delta file is a zstd skippable frame naming the base, then one zstd
// frame whose dictionary is the base's original bytes, used raw (dictionary
// id 0), as `zstd --patch-from=BASE` makes them. The reference tool skips
// the skippable frame: `zstd -d --patch-from=BASE FILE` gives the backup's
// bytes. The skippable frame's payload:
//
//	magic    4 bytes "HDLT"
//	version  byte = 1
//	base     uvarint length + the base's timestamp (its name's, unchanged)
//
// so that reindex rebuilds every relation from the files alone.
const (
	skippableMagic = 0x184D2A5E // one of zstd's 16 skippable magics, little-endian
	deltaMagic     = "HDLT"
	deltaVersion   = 1
	maxBaseLen     = 255
)

// DeltaHeader is what a .delta file says of itself ahead of its data.
type DeltaHeader struct {
	// Base is the timestamp of the backup whose original bytes are the
	// frame's dictionary (same host).
	Base string
}

// EncodeDelta encodes src as a .delta file against base. The frame declares
// its content size and carries zstd's checksum; its window covers the base
// and src, so every byte of the base can be referenced.
func EncodeDelta(src, base []byte, h DeltaHeader) ([]byte, error) {
	if h.Base == "" || len(h.Base) > maxBaseLen {
		return nil, fmt.Errorf("%w: base timestamp %q", ErrCorrupt, h.Base)
	}
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(true),
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithWindowSize(deltaWindow(len(base)+len(src))),
		zstd.WithEncoderDictRaw(0, base),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd delta encoder: %w", err)
	}
	defer enc.Close()
	out := appendHeader(make([]byte, 0, 64+len(src)/8), h)
	return enc.EncodeAll(src, out), nil
}

// deltaWindow is the smallest power of two window, between 64 KiB and
// zstd's largest, that covers n bytes: the encoder's memory and set-up
// time grow with it.
func deltaWindow(n int) int {
	w := 1 << 16
	for w < n && w < zstd.MaxWindowSize {
		w <<= 1
	}
	return w
}

func appendHeader(b []byte, h DeltaHeader) []byte {
	payload := append([]byte(deltaMagic), deltaVersion)
	payload = binary.AppendUvarint(payload, uint64(len(h.Base)))
	payload = append(payload, h.Base...)
	b = binary.LittleEndian.AppendUint32(b, skippableMagic)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

// ParseDelta reads a .delta file's header and returns it with the zstd
// frame that follows. ErrCorrupt when the file does not start with the
// header.
func ParseDelta(file []byte) (DeltaHeader, []byte, error) {
	bad := func(why string) (DeltaHeader, []byte, error) {
		return DeltaHeader{}, nil, fmt.Errorf("%w: not a hatch-backup delta: %s", ErrCorrupt, why)
	}
	if len(file) < 8 || binary.LittleEndian.Uint32(file) != skippableMagic {
		return bad("no skippable frame first")
	}
	n := binary.LittleEndian.Uint32(file[4:])
	if uint64(n) > uint64(len(file)-8) {
		return bad("truncated skippable frame")
	}
	p, rest := file[8:8+n], file[8+n:]
	if len(p) < len(deltaMagic)+1 || string(p[:len(deltaMagic)]) != deltaMagic {
		return bad("no delta magic")
	}
	if p[len(deltaMagic)] != deltaVersion {
		return bad(fmt.Sprintf("version %d", p[len(deltaMagic)]))
	}
	p = p[len(deltaMagic)+1:]
	l, k := binary.Uvarint(p)
	if k <= 0 || l == 0 || l > maxBaseLen || uint64(len(p)-k) != l {
		return bad("bad base")
	}
	return DeltaHeader{Base: string(p[k:])}, rest, nil
}

// deltaDecoders are decoders for DecodeDelta, reused: a chain of deltas
// decodes one step after another, and a new decoder per step costs more
// than the step.
var deltaDecoders sync.Pool

// deltaDecoder returns a decoder whose dictionary 0 is base.
func deltaDecoder(base []byte) (*zstd.Decoder, error) {
	if dec, ok := deltaDecoders.Get().(*zstd.Decoder); ok {
		if err := dec.ResetWithOptions(nil, zstd.WithDecoderDictRaw(0, base)); err == nil {
			return dec, nil
		}
		dec.Close()
	}
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(MaxDecodedSize),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderDictRaw(0, base),
	)
}

// DecodeDelta decodes a .delta file's zstd frame (from ParseDelta) with
// base as its dictionary, refusing (ErrTooLarge) to produce more than
// limit bytes and ErrCorrupt when it does not decode. As for Decompress,
// compare Sum of the result with the index.
func DecodeDelta(frame, base []byte, limit int64) ([]byte, error) {
	return DecodeDeltaInto(nil, frame, base, limit)
}

// DecodeDeltaInto is DecodeDelta writing into dst's memory when it has
// room (dst's content is lost, and dst must not overlap base): a chain of
// deltas decodes into two buffers in turn instead of a new one per step.
func DecodeDeltaInto(dst, frame, base []byte, limit int64) ([]byte, error) {
	limit = min(max(limit, 0), MaxDecodedSize)
	var h zstd.Header
	if err := h.Decode(frame); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if !h.HasFCS {
		return nil, fmt.Errorf("%w: delta frame does not declare its size", ErrCorrupt)
	}
	if h.FrameContentSize > uint64(limit) {
		return nil, fmt.Errorf("%w: frame declares %d bytes, limit %d", ErrTooLarge, h.FrameContentSize, limit)
	}
	dec, err := deltaDecoder(base)
	if err != nil {
		return nil, fmt.Errorf("zstd delta decoder: %w", err)
	}
	if uint64(cap(dst)) < h.FrameContentSize {
		dst = make([]byte, 0, h.FrameContentSize)
	}
	// Capped at the declared size: the decoder (WithDecodeAllCapLimit)
	// produces no more than that, whatever the buffer's size.
	out, err := dec.DecodeAll(frame, dst[:0:h.FrameContentSize])
	// Drop the base before the decoder goes back: a pooled decoder must
	// not keep a config's bytes alive.
	if rerr := dec.ResetWithOptions(nil, zstd.WithDecoderDictDelete(0)); rerr == nil {
		deltaDecoders.Put(dec)
	} else {
		dec.Close()
	}
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return nil, fmt.Errorf("%w: %v", ErrTooLarge, err)
	}
	return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
}
