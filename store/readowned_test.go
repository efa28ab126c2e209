package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	hatomic "github.com/hatch-backup/hatch-backup/atomic"
)

// readPaths: the store's default file system and the seam given
// explicitly; readOwned must behave alike with both.
var readPaths = []struct {
	name string
	fs   hatomic.FS
}{
	{"direct", nil},
	{"seam", hatomic.OS()},
}

// TestReadOwned: what readOwned reads, refuses and tightens, both ways.
func TestReadOwned(t *testing.T) {
	cases := []struct {
		name    string
		make    func(t *testing.T, p string) // nil: no file
		limit   int64
		want    string
		wantErr error
		mode    os.FileMode // after the read; 0 means FileMode
	}{
		{"plain file", writeMode("abc", 0o600), 10, "abc", nil, 0},
		{"loose mode", writeMode(`{"k": 1}`, 0o644), 10, `{"k": 1}`, nil, 0},
		{"empty", writeMode("", 0o600), 10, "", nil, 0},
		{"exactly the limit", writeMode("0123456789", 0o600), 10, "0123456789", nil, 0},
		{"over the limit", writeMode("0123456789a", 0o644), 10, "", ErrInvalid, 0},
		{"missing", nil, 10, "", ErrIntegrity, 0},
		{"a folder", func(t *testing.T, p string) { os.Mkdir(p, 0o700) }, 10, "", ErrIntegrity, 0},
		// Tightening never adds a bit.
		{"read-only", writeMode("abc", 0o400), 10, "abc", nil, 0o400},
		{"read-only for all", writeMode("abc", 0o444), 10, "abc", nil, 0o400},
	}
	for _, rp := range readPaths {
		for _, c := range cases {
			t.Run(rp.name+"/"+c.name, func(t *testing.T) {
				dir := t.TempDir()
				p := filepath.Join(dir, "mcp.json.cursor.20250101_000000_000000")
				if c.make != nil {
					c.make(t, p)
				}
				s := newStore(Options{Root: dir, FS: rp.fs})
				before, _ := os.Lstat(p)
				data, facts, err := s.readOwned(p, c.limit, nil)
				if c.wantErr != nil {
					if !errors.Is(err, c.wantErr) || !bytes.Contains([]byte(err.Error()), []byte(p)) {
						t.Fatalf("err %v, want %v naming %s", err, c.wantErr, p)
					}
					if after, _ := os.Lstat(p); before != nil && after.Mode() != before.Mode() {
						t.Errorf("refused, yet the mode changed from %v to %v", before.Mode(), after.Mode())
					}
					return
				}
				if err != nil || string(data) != c.want {
					t.Fatalf("read %q, %v; want %q", data, err, c.want)
				}
				after, _ := os.Lstat(p)
				want := FileMode
				if c.mode != 0 {
					want = c.mode
				}
				if unixModes && (after.Mode().Perm() != want || facts.mode != want) {
					t.Errorf("mode %v on disk, %v in the facts; want %v", after.Mode().Perm(), facts.mode, want)
				}
				if facts.foreign != "" {
					t.Errorf("our own file reads as foreign: %s", facts.foreign)
				}
			})
		}
	}
}

func writeMode(data string, mode os.FileMode) func(t *testing.T, p string) {
	return func(t *testing.T, p string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
}

// TestReadOwnedReusesBuffer: a buffer large enough is read into, not
// replaced; a small one is grown to the whole file.
func TestReadOwnedReusesBuffer(t *testing.T) {
	for _, rp := range readPaths {
		t.Run(rp.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "f")
			content := bytes.Repeat([]byte("x"), 5000)
			writeMode(string(content), 0o600)(t, p)
			s := newStore(Options{Root: dir, FS: rp.fs})
			big := make([]byte, 0, 8192)
			data, _, err := s.readOwned(p, 1<<20, big)
			if err != nil || !bytes.Equal(data, content) {
				t.Fatalf("read %d bytes, %v", len(data), err)
			}
			if &data[0] != &big[:1][0] {
				t.Error("a large enough buffer was not used")
			}
			data, _, err = s.readOwned(p, 1<<20, make([]byte, 0, 10))
			if err != nil || !bytes.Equal(data, content) {
				t.Errorf("with a small buffer: read %d bytes, %v", len(data), err)
			}
		})
	}
}

// TestReadToEndGrowingFile: a file that is longer than its stat said is read
// to its end, and refused past the limit.
func TestReadToEndGrowingFile(t *testing.T) {
	content := []byte("0123456789abcdef")
	for _, c := range []struct {
		name    string
		limit   int64
		wantErr error
	}{
		{"within the limit", 100, nil},
		{"past the limit", 12, ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := bytes.NewReader(content)
			data, err := readToEnd("f", r.Read, 4, c.limit, nil) // stat said 4 bytes
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(data, content) {
				t.Fatalf("read %q, %v", data, err)
			}
		})
	}
}
