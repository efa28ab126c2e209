package atomic

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// WriteNewFromAt publishes what its write streams, durably and dated; an
// error from write leaves no file and no temp file.
func TestWriteNewFromAt(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "backup")
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	err := WriteNewFromAt(OS(), p, func(w io.Writer) error {
		_, err := io.Copy(w, strings.NewReader(`{"streamed":true}`))
		return err
	}, 0o600, mtime)
	if err != nil {
		t.Fatal(err)
	}
	assertContent(t, p, `{"streamed":true}`)
	assertNoTemp(t, dir)
	failed := filepath.Join(dir, "failed")
	errBad := errors.New("checksum differs")
	err = WriteNewFromAt(OS(), failed, func(w io.Writer) error {
		w.Write([]byte("half"))
		return errBad
	}, 0o600, mtime)
	if !errors.Is(err, errBad) {
		t.Fatalf("failing write: %v", err)
	}
	assertMissing(t, failed)
	assertNoTemp(t, dir)
}

// ReplaceFileFrom whose write fails after some bytes (a checksum found
// wrong at the end of a stream) leaves the target's old bytes and no temp.
func TestReplaceFileFromFails(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mcp.json")
	writeFile(t, p, `{"old":true}`, 0o600)
	errBad := errors.New("checksum differs")
	err := ReplaceFileFrom(OS(), p, func(w io.Writer) error {
		w.Write([]byte(`{"new"`))
		return errBad
	}, 0o600)
	if !errors.Is(err, errBad) {
		t.Fatalf("failing write: %v", err)
	}
	assertContent(t, p, `{"old":true}`)
	assertNoTemp(t, dir)
	if err := ReplaceFileFrom(OS(), p, func(w io.Writer) error {
		_, err := w.Write([]byte(`{"new":true}`))
		return err
	}, 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, p, `{"new":true}`)
	assertNoTemp(t, dir)
}
