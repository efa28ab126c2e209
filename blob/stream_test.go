package blob

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// A frame written by NewStreamEncoder decodes, streamed or whole, to the
// bytes written, declares their size, and carries a checksum.
func TestStreamRoundTrip(t *testing.T) {
	src := bytes.Repeat([]byte(`{"mcpServers": {"a": {"command": "npx"}}} `), 300_000) // 12.9 MB
	var z bytes.Buffer
	enc, err := NewStreamEncoder(&z, int64(len(src)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(enc, bytes.NewReader(src)); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	var h zstd.Header
	if err := h.Decode(z.Bytes()); err != nil || !h.HasFCS || h.FrameContentSize != uint64(len(src)) || !h.HasCheckSum {
		t.Errorf("header %+v, %v", h, err)
	}
	whole, err := Decompress(z.Bytes(), int64(len(src)))
	if err != nil || !bytes.Equal(whole, src) {
		t.Errorf("Decompress: %v", err)
	}
	dec, err := NewStreamDecoder(bytes.NewReader(z.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, dec); err != nil || !bytes.Equal(out.Bytes(), src) {
		t.Errorf("stream decode: %v", err)
	}
}

// A config that changed size while it was encoded fails at Close: the
// frame would declare a size it does not hold.
func TestStreamEncoderSizeMismatch(t *testing.T) {
	enc, err := NewStreamEncoder(io.Discard, 10)
	if err != nil {
		t.Fatal(err)
	}
	enc.Write([]byte("12345"))
	if err := enc.Close(); err == nil {
		t.Error("5 bytes in a frame declaring 10: no error")
	}
}

// Damage is ErrCorrupt; a frame asking for a window above MaxStreamWindow
// is ErrTooLarge, refused before that memory is taken.
func TestStreamDecoderRefuses(t *testing.T) {
	read := func(src []byte) error {
		dec, err := NewStreamDecoder(bytes.NewReader(src))
		if err != nil {
			return err
		}
		defer dec.Close()
		_, err = io.Copy(io.Discard, dec)
		return err
	}
	if err := read([]byte("not zstd at all")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("garbage: %v", err)
	}
	var big bytes.Buffer
	w, err := zstd.NewWriter(&big, zstd.WithWindowSize(MaxStreamWindow*2), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(bytes.Repeat([]byte("x"), 1<<20))
	w.Close()
	if err := read(big.Bytes()); !errors.Is(err, ErrTooLarge) {
		t.Errorf("window of %d MiB: %v", MaxStreamWindow*2>>20, err)
	}
}
