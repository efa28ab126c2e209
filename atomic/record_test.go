package atomic

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

func TestRecorderRecordsFileCalls(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	writeFile(t, path, "abc", 0o600)
	rec := NewRecorder(OS())
	f, err := rec.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(f); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Stat(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, c := range rec.Calls() {
		ops = append(ops, c.Op)
		if c.Path != path {
			t.Errorf("%s recorded with path %q, want %q", c.Op, c.Path, path)
		}
	}
	want := []string{"open", "read", "read", "fstat", "close"}
	if len(ops) != len(want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
	for i := range ops {
		if ops[i] != want[i] {
			t.Fatalf("ops %v, want %v", ops, want)
		}
	}
	if last := rec.Calls()[2]; !errors.Is(last.Err, io.EOF) {
		t.Errorf("second read recorded error %v, want io.EOF", last.Err)
	}
}

func TestRecorderFail(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	tests := []struct {
		name    string
		op      string
		match   func(string) bool
		call    func(r *Recorder) error
		wantErr bool
	}{
		{"match all", "mkdir", nil, func(r *Recorder) error { return r.Mkdir(a, 0o700) }, true},
		{"match the path", "mkdir", is(a), func(r *Recorder) error { return r.Mkdir(a, 0o700) }, true},
		{"other path", "mkdir", is(b), func(r *Recorder) error { return r.Mkdir(a, 0o700) }, false},
		{"other op", "remove", nil, func(r *Recorder) error { return r.Mkdir(a, 0o700) }, false},
		{"rename by old path", "rename", is(a), func(r *Recorder) error { return r.Rename(a, b) }, true},
		{"rename by new path", "rename", is(b), func(r *Recorder) error { return r.Rename(a, b) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range []string{a, b} {
				if err := os.RemoveAll(p); err != nil {
					t.Fatal(err)
				}
			}
			if tt.op == "rename" {
				writeFile(t, a, "", 0o600)
			}
			rec := NewRecorder(OS())
			rec.Fail(tt.op, tt.match, syscall.EROFS)
			err := tt.call(rec)
			if got := errors.Is(err, syscall.EROFS); got != tt.wantErr {
				t.Fatalf("got %v, injected: %v, want %v", err, got, tt.wantErr)
			}
			if calls := rec.Calls(); len(calls) != 1 || !errors.Is(calls[0].Err, err) {
				t.Errorf("calls %v, want one with the returned error", calls)
			}
			if _, err := os.Lstat(a); tt.wantErr && tt.op == "mkdir" && !os.IsNotExist(err) {
				t.Errorf("the failed mkdir happened anyway")
			}
			if _, err := os.Lstat(b); tt.wantErr && !os.IsNotExist(err) {
				t.Errorf("the failed rename happened anyway")
			}
			var pe *fs.PathError
			var le *os.LinkError
			if tt.wantErr && !errors.As(err, &pe) && !errors.As(err, &le) {
				t.Errorf("injected error %T names no path", err)
			}
			rec.Reset()
			if len(rec.Calls()) != 0 {
				t.Error("Reset kept calls")
			}
		})
	}
}

// An injected close error still releases the descriptor, as close(2) does.
func TestRecorderFailCloseReleases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	rec := NewRecorder(OS())
	rec.Fail("close", nil, syscall.EIO)
	f, err := rec.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("close: %v, want EIO", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v, want os.ErrClosed", err)
	}
}

// Recording, failing and reading calls from many goroutines (run with -race).
func TestRecorderConcurrent(t *testing.T) {
	dir := t.TempDir()
	rec := NewRecorder(OS())
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			// A Fail that never matches, added while others record.
			rec.Fail("remove", is(filepath.Join(dir, "none", strconv.Itoa(i))), syscall.EIO)
			_ = WriteNew(rec, filepath.Join(dir, strconv.Itoa(i)), []byte("x"), 0o600)
			_ = rec.Calls()
		})
	}
	wg.Wait()
	if n := len(rec.Calls()); n != 20*7 {
		t.Errorf("recorded %d calls, want %d", n, 20*7)
	}
}
