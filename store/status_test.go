package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestHostStatusOfAFolder: a config path that holds a folder is there but
// is no config: no size, and a problem that says so. A regular file shows
// its size and no problem.
func TestHostStatusOfAFolder(t *testing.T) {
	f := newFixture(t)
	s := f.open(func(o *Options) { o.UpgradingReader = true })
	defer s.Close()
	h, _ := LookupHost("cursor")
	dir := h.ConfigPath(s.env)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	k, _ := LookupHost("kiro")
	file := k.ConfigPath(s.env)
	os.MkdirAll(filepath.Dir(file), 0o700)
	if err := os.WriteFile(file, []byte(`{"mcpServers": {}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	sts, err := s.HostStatuses(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range sts {
		switch st.Host.Name {
		case "cursor":
			if !st.Exists || st.Size != 0 || st.Problem != "not a file: a folder" {
				t.Errorf("a folder as config: %+v", st)
			}
		case "kiro":
			if !st.Exists || st.Size != 18 || st.Problem != "" {
				t.Errorf("a config file: %+v", st)
			}
		}
	}
}
