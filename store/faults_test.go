package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// under matches paths inside dir.
func under(dir string) func(string) bool {
	return func(p string) bool { return strings.HasPrefix(p, dir+string(filepath.Separator)) || p == dir }
}

// TestCreateFaults: a fault at any step of writing a backup fails create,
// leaves no file and no index entry, and is not mistaken for damage.
func TestCreateFaults(t *testing.T) {
	cases := []struct {
		op  string
		err error
	}{
		{"open", syscall.EACCES},
		{"open", syscall.EROFS},
		{"write", syscall.ENOSPC},
		{"write", syscall.EIO},
		{"sync", syscall.EIO},
		{"close", syscall.EIO},
		{"chmod", syscall.EPERM},
		{"rename-noreplace", syscall.EROFS},
		{"syncdir", syscall.EIO},
	}
	for _, c := range cases {
		t.Run(c.op+" "+c.err.Error(), func(t *testing.T) {
			f := newFixture(t)
			p := f.config("c.json", []byte("{}"))
			f.create("cursor", p) // the host folder exists: faults hit the backup itself
			rec, seam := f.recorder()
			hostDir := filepath.Join(f.root, "cursor")
			rec.Fail(c.op, under(hostDir), c.err)
			s := f.open(seam)
			_, err := s.Create(context.Background(), CreateOptions{Host: "cursor", ConfigPath: p})
			s.Close()
			if !errors.Is(err, c.err) {
				t.Fatalf("create: %v, want %v", err, c.err)
			}
			if IsIntegrity(err) || errors.Is(err, ErrInvalid) {
				t.Errorf("an I/O fault reported as %v", err)
			}
			entries, _ := os.ReadDir(hostDir)
			if len(entries) != 1 {
				t.Errorf("after a failed create the host folder holds %d files, want 1", len(entries))
			}
			if n := len(f.all()); n != 1 {
				t.Errorf("%d indexed, want 1", n)
			}
		})
	}
}

// TestRestoreFaults: a fault while replacing the live config fails the
// restore and leaves the config byte-identical, with no temp file beside it.
func TestRestoreFaults(t *testing.T) {
	for _, c := range []struct {
		op  string
		err error
	}{
		{"open", syscall.EACCES},
		{"write", syscall.ENOSPC},
		{"sync", syscall.EIO},
		{"close", syscall.EIO},
		{"rename", syscall.EROFS},
	} {
		t.Run(c.op+" "+c.err.Error(), func(t *testing.T) {
			f := newFixture(t)
			p := f.config("c.json", []byte(`{"v": 1}`))
			f.create("cursor", p)
			os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
			rec, seam := f.recorder()
			rec.Fail(c.op, under(f.dir), c.err)
			s := f.open(seam)
			_, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor", NoBackup: true})
			s.Close()
			if !errors.Is(err, c.err) {
				t.Fatalf("restore: %v, want %v", err, c.err)
			}
			if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
				t.Errorf("a failed restore changed the config to %q", data)
			}
			entries, _ := os.ReadDir(f.dir)
			if len(entries) != 1 {
				t.Errorf("leftovers beside the config: %d entries", len(entries))
			}
		})
	}
}

// TestRestoreVerifiesFirst: a damaged backup is refused before anything
// near the target is touched.
func TestRestoreVerifiesFirst(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	b := f.create("cursor", p)
	os.WriteFile(p, []byte(`{"v": 2}`), 0o600)
	os.WriteFile(b.Path, []byte(`{"v": 9}`), 0o600) // same size, other bytes
	rec, seam := f.recorder()
	s := f.open(seam)
	_, err := s.Restore(context.Background(), RestoreOptions{Host: "cursor"})
	s.Close()
	if !errors.Is(err, ErrIntegrity) || !strings.Contains(err.Error(), b.Path) {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	for _, c := range rec.Calls() {
		if strings.HasPrefix(c.Path, f.dir) && c.Op != "lstat" && c.Op != "stat" {
			t.Errorf("touched the target before refusing: %+v", c)
		}
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
		t.Errorf("config changed to %q", data)
	}
	// Leave a healthy store for the invariant check.
	os.Remove(b.Path)
	s = f.open()
	s.db.Delete(b.Host, b.Created)
	s.Close()
}

// TestModifyRollsBack: the seed's BackupAwareOperation as Go API.
func TestModifyRollsBack(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"good": true}`))
	s := f.open()
	defer s.Close()
	boom := errors.New("installer failed")
	res, err := s.Modify(context.Background(), "cursor", p, false, func(context.Context) error {
		os.WriteFile(p, []byte(`{"half`), 0o600)
		return boom
	})
	if !errors.Is(err, boom) || res == nil {
		t.Fatalf("modify: %v %v", res, err)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"good": true}` {
		t.Fatalf("not rolled back: %q", data)
	}
	if _, err := s.Modify(context.Background(), "cursor", p, false, func(context.Context) error {
		return os.WriteFile(p, []byte(`{"better": true}`), 0o600)
	}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"better": true}` {
		t.Fatalf("a successful change was undone: %q", data)
	}
	res, err = s.PrepareBackup(context.Background(), "cursor", filepath.Join(f.dir, "new.json"), false)
	if res != nil || err != nil {
		t.Errorf("prepare of a missing config: %v %v", res, err)
	}
	if res, err := s.PrepareBackup(context.Background(), "cursor", p, true); res != nil || err != nil {
		t.Errorf("prepare with noBackup: %v %v", res, err)
	}
}

// TestWriteConfig: the backed-up atomic write backs up first and rolls
// back when the write fails.
func TestWriteConfig(t *testing.T) {
	f := newFixture(t)
	p := f.config("c.json", []byte(`{"v": 1}`))
	s := f.open()
	res, err := s.WriteConfig(context.Background(), "cursor", p, []byte(`{"v": 2}`), false)
	s.Close()
	if err != nil || res == nil {
		t.Fatalf("write: %v %v", res, err)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
		t.Fatalf("written %q", data)
	}
	rec, seam := f.recorder()
	rec.Fail("rename", under(f.dir), syscall.EIO)
	s = f.open(seam)
	_, err = s.WriteConfig(context.Background(), "cursor", p, []byte(`{"v": 3}`), false)
	s.Close()
	if !errors.Is(err, syscall.EIO) {
		t.Fatalf("failed write: %v", err)
	}
	if data, _ := os.ReadFile(p); string(data) != `{"v": 2}` {
		t.Fatalf("after a failed write the config is %q", data)
	}
	if n := len(f.all()); n != 2 {
		t.Errorf("%d backups, want 2 (one before each write)", n)
	}
}

// TestReindexFaults: a fault while reindex repairs (removing a temp file,
// tightening a mode, moving a damaged index aside, reading a backup) fails
// it with that error, not as damage; no backup file is lost and the
// damaged index is never deleted. A second reindex without the fault
// finishes the job.
func TestReindexFaults(t *testing.T) {
	for _, c := range []struct {
		op      string
		err     error
		corrupt bool // damage the index first, so that it is moved aside
	}{
		{"remove", syscall.EROFS, false},
		{"chmod", syscall.EPERM, false},
		{"rename-noreplace", syscall.EROFS, true},
		{"syncdir", syscall.EIO, true},
		{"open", syscall.EIO, false},
		{"open", syscall.EACCES, true},
	} {
		t.Run(fmt.Sprintf("%s %v corrupt=%v", c.op, c.err, c.corrupt), func(t *testing.T) {
			if c.op == "chmod" && runtime.GOOS == "windows" {
				t.Skip("no modes to tighten on Windows: reindex makes no chmod")
			}
			f := newFixture(t)
			p := f.config("c.json", []byte(`{"v": 1}`))
			b := f.create("cursor", p)
			want, _ := os.ReadFile(b.Path)
			os.WriteFile(filepath.Join(f.root, "cursor", "."+filepath.Base(b.Path)+".0123456789abcdef.tmp"), nil, 0o600)
			os.Chmod(b.Path, 0o644)
			if c.corrupt {
				os.WriteFile(filepath.Join(f.root, IndexFile), []byte("garbage"), 0o600)
			}
			rec, seam := f.recorder()
			rec.Fail(c.op, under(f.root), c.err)
			o := f.opts
			seam(&o)
			_, err := Reindex(context.Background(), o, ReindexOptions{})
			if !errors.Is(err, c.err) || IsIntegrity(err) {
				t.Fatalf("reindex: %v, want %v", err, c.err)
			}
			if got, _ := os.ReadFile(b.Path); string(got) != string(want) {
				t.Fatal("a failed reindex changed a backup")
			}
			if c.corrupt && !hasCorruptIndex(f.root) {
				t.Fatal("the damaged index is gone")
			}
			res, err := Reindex(context.Background(), f.opts, ReindexOptions{})
			if err != nil || len(res.Problems) > 0 {
				t.Fatalf("reindex after the fault: %v %v", err, res.Problems)
			}
			if n := len(f.all()); n != 1 {
				t.Errorf("%d indexed after reindex, want 1", n)
			}
		})
	}
}

// hasCorruptIndex: the damaged index is still in the root, in place or
// moved aside.
func hasCorruptIndex(root string) bool {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(root, e.Name()))
		if string(data) == "garbage" {
			return true
		}
	}
	return false
}
