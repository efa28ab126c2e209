package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestWriteNew(t *testing.T) {
	tests := []struct {
		name string
		data string
		perm fs.FileMode
	}{
		{"backup", `{"mcpServers":{}}`, 0o600},
		{"empty", "", 0o600},
		{"read-only", "secret", 0o400},
		{"wider", "shared", 0o644},
		{"large", string(make([]byte, 1<<20)), 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json.vscode.20250921_101112_131415")
			if err := WriteNew(OS(), path, []byte(tt.data), tt.perm); err != nil {
				t.Fatal(err)
			}
			assertContent(t, path, tt.data)
			assertMode(t, path, tt.perm)
			assertNoTemp(t, dir)
		})
	}
}

func TestWriteNewCallOrder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json.cursor.20250921_101112_131415")
	rec := NewRecorder(OS())
	if err := WriteNew(rec, path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, rec.Calls(), []step{
		{"open", tmpName, ""},
		{"write", tmpName, ""},
		{"chmod", tmpName, ""},
		{"sync", tmpName, ""},
		{"close", tmpName, ""},
		{"rename-noreplace", tmpName, path},
		{"syncdir", dir, ""},
	}, dir, path)
}

// WriteNewAt dates the file before its fsync, so the date is durable with
// the bytes, and the date survives the publish.
func TestWriteNewAtDatesBeforeSync(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json.cursor.20250921_101112_131415")
	at := time.Date(2025, 9, 21, 10, 11, 12, 131415000, time.UTC)
	rec := NewRecorder(OS())
	if err := WriteNewAt(rec, path, []byte("x"), 0o600, at); err != nil {
		t.Fatal(err)
	}
	assertSteps(t, rec.Calls(), []step{
		{"open", tmpName, ""},
		{"write", tmpName, ""},
		{"chmod", tmpName, ""},
		{"chtimes", tmpName, ""},
		{"sync", tmpName, ""},
		{"close", tmpName, ""},
		{"rename-noreplace", tmpName, path},
		{"syncdir", dir, ""},
	}, dir, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(at) {
		t.Errorf("mtime %v, want %v", fi.ModTime().UTC(), at)
	}
}

// A date that cannot be set fails the write, and nothing is left.
func TestWriteNewAtChtimesFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mcp.json.cursor.20250921_101112_131415")
	rec := NewRecorder(OS())
	rec.Fail("chtimes", nil, fs.ErrPermission)
	err := WriteNewAt(rec, path, []byte("x"), 0o600, time.Now())
	if !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("got %v", err)
	}
	assertMissing(t, path)
	assertNoTemp(t, dir)
}

// A taken name is never replaced, whatever is there, and nothing is left.
func TestWriteNewTaken(t *testing.T) {
	tests := []struct {
		name  string
		plant func(t *testing.T, path, outside string)
	}{
		{"file", func(t *testing.T, path, _ string) { writeFile(t, path, "old", 0o600) }},
		{"symlink to file", func(t *testing.T, path, outside string) {
			if err := symlink(t, outside, path); err != nil {
				t.Fatal(err)
			}
		}},
		{"dangling symlink", func(t *testing.T, path, outside string) {
			if err := symlink(t, outside+".missing", path); err != nil {
				t.Fatal(err)
			}
		}},
		{"directory", func(t *testing.T, path, _ string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, elsewhere := t.TempDir(), t.TempDir()
			path := filepath.Join(dir, "mcp.json.kiro.20250921_101112_131415")
			outside := filepath.Join(elsewhere, "victim")
			writeFile(t, outside, "victim", 0o644)
			tt.plant(t, path, outside)
			before, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}

			err = WriteNew(OS(), path, []byte("new"), 0o600)
			if !errors.Is(err, ErrExist) || !errors.Is(err, fs.ErrExist) {
				t.Fatalf("WriteNew over a %s: %v, want ErrExist and fs.ErrExist", tt.name, err)
			}
			after, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if before.Mode() != after.Mode() || !os.SameFile(before, after) {
				t.Errorf("the planted %s was replaced", tt.name)
			}
			if before.Mode().IsRegular() {
				assertContent(t, path, "old")
			}
			assertContent(t, outside, "victim")
			assertMode(t, outside, 0o644)
			assertNoTemp(t, dir)
		})
	}
}

func TestWriteNewNoDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "mcp.json")
	err := WriteNew(OS(), path, []byte("x"), 0o600)
	if !errors.Is(err, ErrNoDir) {
		t.Fatalf("got %v, want ErrNoDir", err)
	}
	assertMissing(t, filepath.Dir(path))
}

// Many writers race for one name: exactly one wins, the others get ErrExist,
// the file holds the winner's bytes and no temp file is left.
func TestWriteNewConcurrent(t *testing.T) {
	for _, tt := range []struct {
		name string
		fsys func() FS
	}{
		{"os", OS},
		{"recorder", func() FS { return NewRecorder(OS()) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			const writers = 32
			dir := t.TempDir()
			path := filepath.Join(dir, "mcp.json.codex.20250921_101112_131415")
			fsys := tt.fsys()
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() { errs[i] = WriteNew(fsys, path, []byte("writer "+strconv.Itoa(i)), 0o600) })
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("writers %d and %d both succeeded", winner, i)
				case err == nil:
					winner = i
				case !errors.Is(err, ErrExist):
					t.Errorf("writer %d: %v, want ErrExist", i, err)
				}
			}
			if winner < 0 {
				t.Fatal("no writer succeeded")
			}
			assertContent(t, path, "writer "+strconv.Itoa(winner))
			assertNoTemp(t, dir)
		})
	}
}

// The link + unlink fallback must behave as the kernel primitives do.
func TestLinkNoReplace(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	writeFile(t, src, "new", 0o600)
	writeFile(t, dst, "old", 0o600)
	if err := linkNoReplace(src, dst); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("over a taken name: %v, want fs.ErrExist", err)
	}
	assertContent(t, dst, "old")
	assertContent(t, src, "new")

	if err := os.Remove(dst); err != nil {
		t.Fatal(err)
	}
	if err := linkNoReplace(src, dst); err != nil {
		t.Fatal(err)
	}
	assertContent(t, dst, "new")
	assertMissing(t, src)
}
