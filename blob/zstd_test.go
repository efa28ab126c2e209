package blob

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
)

// configJSON is a valid JSON config of at least size bytes, shaped like the
// real ones (an API key per server included).
func configJSON(size int) []byte {
	b := []byte("{\n  \"mcpServers\": {\n")
	for i := 0; len(b) < size; i++ {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = fmt.Appendf(b, `    "server-%03d": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-%d", "/home/user/projects"], "env": {"API_KEY": "sk-test-%016x"}}`,
			i, i, uint64(i)*0x9e3779b97f4a7c15)
	}
	return append(b, "\n  }\n}\n"...)
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

func TestCompressRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", []byte{}},
		{"1 byte", []byte{'{'}},
		{"5 KB JSON", configJSON(5 << 10)},
		{"100 KB JSON", configJSON(100 << 10)},
		{"10 MB random", randomBytes(10<<20, 1)},
		{"10 MB repetitive", bytes.Repeat([]byte(`{"mcpServers": {}}`+"\n"), (10<<20)/19)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := Compress(tt.data)
			if len(z) == 0 {
				t.Fatal("Compress gave 0 bytes")
			}
			got, err := Decompress(z, int64(len(tt.data)))
			if err != nil {
				t.Fatalf("Decompress with limit = size: %v", err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Fatalf("round trip changed the bytes: got %d bytes, want %d", len(got), len(tt.data))
			}
			if len(tt.data) > 0 {
				if _, err := Decompress(z, int64(len(tt.data))-1); !errors.Is(err, ErrTooLarge) {
					t.Errorf("Decompress with limit = size-1: %v, want ErrTooLarge", err)
				}
			}
			t.Logf("%d -> %d bytes", len(tt.data), len(z))
		})
	}
}

func TestDecompressLimits(t *testing.T) {
	data := configJSON(5 << 10)
	z := Compress(data)
	tests := []struct {
		name  string
		limit int64
		err   error
	}{
		{"negative counts as 0", -1, ErrTooLarge},
		{"zero", 0, ErrTooLarge},
		{"exact", int64(len(data)), nil},
		{"huge is clamped, not refused", math.MaxInt64, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decompress(z, tt.limit)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Errorf("Decompress(limit %d) = %v, want %v", tt.limit, err, tt.err)
			}
		})
	}
	if got, err := Decompress(Compress(nil), 0); err != nil || len(got) != 0 {
		t.Errorf("empty content with limit 0: %d bytes, %v", len(got), err)
	}
}

// frame builds a zstd frame by hand: no content size unless fcs >= 0, an
// 8 MiB window, and n RLE blocks of 128 KiB of b each.
func frame(fcs int64, n int, b byte) []byte {
	f := []byte{0x28, 0xb5, 0x2f, 0xfd}
	if fcs >= 0 {
		f = append(f, 0xc0, 13<<3) // 8-byte content size; window 2^23
		f = binary.LittleEndian.AppendUint64(f, uint64(fcs))
	} else {
		f = append(f, 0x00, 13<<3)
	}
	const blockSize = 128 << 10
	for i := range n {
		h := uint32(blockSize)<<3 | 1<<1 // RLE
		if i == n-1 {
			h |= 1 // last block
		}
		f = append(f, byte(h), byte(h>>8), byte(h>>16), b)
	}
	return f
}

func TestDecompressBomb(t *testing.T) {
	const limit = 1 << 20
	const blocks = 1600 // 200 MiB
	tests := []struct {
		name string
		src  []byte
	}{
		{"no content size", frame(-1, blocks, 0)},
		{"declared content size", frame(blocks<<17, blocks, 0)},
		{"content size that lies low", frame(1000, blocks, 0)},
		{"many small frames", bytes.Repeat(frame(-1, 8, 'x'), 200)},
		{"frames of declared size", bytes.Repeat(frame(8<<17, 8, 'x'), 200)},
	}
	Decompress(Compress([]byte("warm up the shared decoder")), 100)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			out, err := Decompress(tt.src, limit)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decompress(%d-byte bomb) = %d bytes, %v; want ErrTooLarge", len(tt.src), len(out), err)
			}
			alloc := after.TotalAlloc - before.TotalAlloc
			if alloc > 4*limit {
				t.Errorf("allocated %d bytes to refuse a bomb, limit %d", alloc, limit)
			}
			t.Logf("%v; allocated %.2f x limit", err, float64(alloc)/limit)
		})
	}
}

func TestDecompressBombWithinLimit(t *testing.T) {
	src := frame(-1, 100, 'z') // 12.5 MiB, no content size
	out, err := Decompress(src, 100<<17)
	if err != nil || len(out) != 100<<17 || out[0] != 'z' || out[len(out)-1] != 'z' {
		t.Fatalf("got %d bytes, %v; want %d bytes of 'z'", len(out), err, 100<<17)
	}
	if _, err := Decompress(src, 100<<17-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit one byte short: %v, want ErrTooLarge", err)
	}
}

func TestDecompressConcatenatedFrames(t *testing.T) {
	a, b := configJSON(3000), []byte("second frame")
	z := append(Compress(a), Compress(b)...)
	want := append(append([]byte{}, a...), b...)
	got, err := Decompress(z, int64(len(want)))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, %v; want the %d bytes of both frames", len(got), err, len(want))
	}
	if _, err := Decompress(z, int64(len(want))-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("limit one byte short of both frames: %v, want ErrTooLarge", err)
	}
	skip := []byte{0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'}
	got, err = Decompress(append(skip, Compress(b)...), 100)
	if err != nil || !bytes.Equal(got, b) {
		t.Errorf("skippable frame first: got %q, %v; want %q", got, err, b)
	}
}

func TestDecompressCorrupt(t *testing.T) {
	good := Compress(configJSON(5 << 10))
	tests := []struct {
		name string
		src  []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"text", []byte(`{"mcpServers": {}}`)},
		{"garbage", randomBytes(4096, 7)},
		{"magic only", good[:4]},
		{"header only", good[:6]},
		{"half", good[:len(good)/2]},
		{"no checksum", good[:len(good)-4]},
		{"last byte missing", good[:len(good)-1]},
		{"checksum flipped", flip(good, len(good)-1)},
		{"trailing garbage", append(append([]byte{}, good...), "junk"...)},
		{"truncated skippable frame", []byte{0x50, 0x2a, 0x4d, 0x18, 100, 0, 0, 0, 'a'}},
		{"reserved block type", []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50, 0x07, 0x00, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Decompress(tt.src, 1<<20)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Decompress = %d bytes, %v; want ErrCorrupt", len(out), err)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte{}, b...)
	c[i] ^= 0x10
	return c
}

// TestDecompressEveryTruncation: no prefix of a frame decodes.
func TestDecompressEveryTruncation(t *testing.T) {
	good := Compress(configJSON(5 << 10))
	for n := range len(good) {
		if _, err := Decompress(good[:n], 1<<20); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("first %d of %d bytes: %v, want ErrCorrupt", n, len(good), err)
		}
	}
}

// TestDecompressEveryBitFlip: a flipped bit is refused, or (in bits the
// format ignores) decodes to the original bytes, never to other bytes.
func TestDecompressEveryBitFlip(t *testing.T) {
	data := configJSON(2 << 10)
	good := Compress(data)
	refused := 0
	for i := range 8 * len(good) {
		bad := append([]byte{}, good...)
		bad[i/8] ^= 1 << (i % 8)
		out, err := Decompress(bad, 1<<20)
		switch {
		case errors.Is(err, ErrCorrupt) || errors.Is(err, ErrTooLarge):
			refused++
		case err != nil:
			t.Fatalf("bit %d: unexpected error %v", i, err)
		case !bytes.Equal(out, data):
			t.Fatalf("bit %d flipped: decoded to other bytes without an error", i)
		}
	}
	t.Logf("%d of %d bit flips refused, the rest decode to the original", refused, 8*len(good))
}

// TestSwappedFrameNeedsSum shows why callers keep Sum: a valid frame of
// other content decodes without complaint.
func TestSwappedFrameNeedsSum(t *testing.T) {
	orig, other := []byte(`{"mcpServers":{"a":{}}}`), []byte(`{"mcpServers":{"b":{}}}`)
	got, err := Decompress(Compress(other), 1<<20)
	if err != nil {
		t.Fatalf("a valid frame of other content: %v", err)
	}
	if Sum(got) == Sum(orig) {
		t.Fatal("Sum did not tell the swapped content from the original")
	}
}

func TestSum(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := fmt.Sprintf("%x", Sum([]byte(tt.in))); got != tt.want {
				t.Errorf("Sum(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestCompressConcurrent(t *testing.T) {
	const workers, rounds = 16, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for r := range rounds {
				var data []byte
				if r%2 == 0 {
					data = configJSON(rng.IntN(20 << 10))
				} else {
					data = randomBytes(rng.IntN(50<<10), uint64(w*rounds+r))
				}
				got, err := Decompress(Compress(data), int64(len(data)))
				if err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("worker %d round %d: %d bytes, %v", w, r, len(got), err)
					return
				}
				if _, err := Decompress(frame(-1, 2, byte(w)), 200<<10); !errors.Is(err, ErrTooLarge) {
					errs <- fmt.Errorf("worker %d round %d: bomb gave %v", w, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
