//go:build windows

package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// A config that its host app holds open (without FILE_SHARE_DELETE) is not
// restored over: ErrInUse naming the target after the retries, and the
// config keeps its bytes.
func TestRestoreTargetInUse(t *testing.T) {
	f := newFixture(t)
	p := f.config("claude_desktop_config.json", []byte(`{"v": 1}`))
	f.create("claude-desktop", p)
	if err := os.WriteFile(p, []byte(`{"v": 2}`), 0o600); err != nil {
		t.Fatal(err)
	}
	name, _ := windows.UTF16PtrFromString(p)
	h, err := windows.CreateFile(name, windows.GENERIC_READ, windows.FILE_SHARE_READ, nil, windows.OPEN_EXISTING, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := f.open()
	_, err = s.Restore(context.Background(), RestoreOptions{Host: "claude-desktop", NoBackup: true})
	s.Close()
	windows.CloseHandle(h)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), p) {
		t.Fatalf("got %v, want ErrInUse naming %s", err, p)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
		t.Errorf("the config now holds %q", data)
	}
}
