package atomic

import (
	"io/fs"
	"os"
	"sync"
	"time"
)

// Call is one file-system operation seen by a Recorder.
//
// Op is one of the FS operations "open", "lstat", "stat", "evalsymlinks",
// "mkdir", "chmod", "chtimes", "rename", "rename-noreplace", "remove", "syncdir", or one
// of the File operations "write", "read", "sync", "close", "chmod", "fstat"
// (a File's Path is its Name()). A chmod through the open file and one by
// name are both "chmod": the place in the sequence tells them apart.
type Call struct {
	Op   string
	Path string      // the file or directory; a rename's old path
	To   string      // a rename's new path
	Flag int         // open's flags
	Mode fs.FileMode // open's, mkdir's and chmod's mode
	Err  error       // what the call returned, injected or real
}

// Recorder is an FS that records every call made through it, and through
// the Files it opens, in order, and can make chosen calls fail. It is the
// test seam for faults that cannot be made for real (ENOSPC, EIO on fsync,
// EROFS) and for asserting the order of the write protocol. It is safe for
// concurrent use; calls are recorded in the order they complete.
type Recorder struct {
	fsys FS

	mu     sync.Mutex
	calls  []Call
	faults []fault
}

type fault struct {
	op    string
	match func(path string) bool
	err   error
}

// NewRecorder returns a Recorder that passes calls on to fsys.
func NewRecorder(fsys FS) *Recorder { return &Recorder{fsys: fsys} }

// Fail makes every later call with this op whose path satisfies match (nil
// matches all) return err, wrapped in an *fs.PathError (*os.LinkError for
// renames, matched on either path) so that errors.Is(got, err) holds. The
// real call is not made, except for "close": the descriptor is released
// anyway, as close(2) does, and err is returned. An injected "write" writes
// nothing. The first matching Fail wins.
func (r *Recorder) Fail(op string, match func(path string) bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = append(r.faults, fault{op: op, match: match, err: err})
}

// Calls returns a copy of the calls recorded so far.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Reset forgets the recorded calls and every Fail.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.faults = nil, nil
}

// do records c after running real, unless a fault for c is injected.
func (r *Recorder) do(c Call, real func() error) error {
	err := r.injected(c)
	if err == nil || c.Op == "close" {
		if rerr := real(); err == nil {
			err = rerr
		}
	}
	c.Err = err
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
	return err
}

func (r *Recorder) injected(c Call) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.faults {
		if f.op != c.Op {
			continue
		}
		if f.match == nil || f.match(c.Path) || (c.To != "" && f.match(c.To)) {
			if c.To != "" {
				return &os.LinkError{Op: c.Op, Old: c.Path, New: c.To, Err: f.err}
			}
			return &fs.PathError{Op: c.Op, Path: c.Path, Err: f.err}
		}
	}
	return nil
}

// The FS methods pass each call on to the wrapped FS (unless a Fail
// matches) and record it.

// OpenFile records "open"; the File it returns records its own calls.
func (r *Recorder) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	var f File
	err := r.do(Call{Op: "open", Path: name, Flag: flag, Mode: perm}, func() (err error) {
		f, err = r.fsys.OpenFile(name, flag, perm)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &recordedFile{f: f, r: r}, nil
}

func (r *Recorder) Lstat(name string) (fi fs.FileInfo, err error) {
	err = r.do(Call{Op: "lstat", Path: name}, func() (err error) {
		fi, err = r.fsys.Lstat(name)
		return err
	})
	return fi, err
}

func (r *Recorder) Stat(name string) (fi fs.FileInfo, err error) {
	err = r.do(Call{Op: "stat", Path: name}, func() (err error) {
		fi, err = r.fsys.Stat(name)
		return err
	})
	return fi, err
}

func (r *Recorder) EvalSymlinks(name string) (resolved string, err error) {
	err = r.do(Call{Op: "evalsymlinks", Path: name}, func() (err error) {
		resolved, err = r.fsys.EvalSymlinks(name)
		return err
	})
	return resolved, err
}

func (r *Recorder) Mkdir(name string, perm fs.FileMode) error {
	return r.do(Call{Op: "mkdir", Path: name, Mode: perm}, func() error { return r.fsys.Mkdir(name, perm) })
}

func (r *Recorder) Chmod(name string, mode fs.FileMode) error {
	return r.do(Call{Op: "chmod", Path: name, Mode: mode}, func() error { return r.fsys.Chmod(name, mode) })
}

// Chtimes records "chtimes" with the path.
func (r *Recorder) Chtimes(name string, atime, mtime time.Time) error {
	return r.do(Call{Op: "chtimes", Path: name}, func() error { return r.fsys.Chtimes(name, atime, mtime) })
}

func (r *Recorder) Rename(oldpath, newpath string) error {
	return r.do(Call{Op: "rename", Path: oldpath, To: newpath}, func() error { return r.fsys.Rename(oldpath, newpath) })
}

func (r *Recorder) RenameNoReplace(oldpath, newpath string) error {
	return r.do(Call{Op: "rename-noreplace", Path: oldpath, To: newpath}, func() error {
		return r.fsys.RenameNoReplace(oldpath, newpath)
	})
}

func (r *Recorder) Remove(name string) error {
	return r.do(Call{Op: "remove", Path: name}, func() error { return r.fsys.Remove(name) })
}

func (r *Recorder) SyncDir(dir string) error {
	return r.do(Call{Op: "syncdir", Path: dir}, func() error { return r.fsys.SyncDir(dir) })
}

// recordedFile is a File whose calls go through its Recorder.
type recordedFile struct {
	f File
	r *Recorder
}

func (rf *recordedFile) Name() string { return rf.f.Name() }

func (rf *recordedFile) Write(p []byte) (n int, err error) {
	err = rf.r.do(Call{Op: "write", Path: rf.f.Name()}, func() (err error) {
		n, err = rf.f.Write(p)
		return err
	})
	return n, err
}

func (rf *recordedFile) Read(p []byte) (n int, err error) {
	err = rf.r.do(Call{Op: "read", Path: rf.f.Name()}, func() (err error) {
		n, err = rf.f.Read(p)
		return err
	})
	return n, err
}

func (rf *recordedFile) Sync() error {
	return rf.r.do(Call{Op: "sync", Path: rf.f.Name()}, rf.f.Sync)
}

func (rf *recordedFile) Close() error {
	return rf.r.do(Call{Op: "close", Path: rf.f.Name()}, rf.f.Close)
}

func (rf *recordedFile) Chmod(mode fs.FileMode) error {
	return rf.r.do(Call{Op: "chmod", Path: rf.f.Name(), Mode: mode}, func() error { return rf.f.Chmod(mode) })
}

func (rf *recordedFile) Stat() (fi fs.FileInfo, err error) {
	err = rf.r.do(Call{Op: "fstat", Path: rf.f.Name()}, func() (err error) {
		fi, err = rf.f.Stat()
		return err
	})
	return fi, err
}
