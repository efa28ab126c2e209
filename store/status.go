package store

import (
	"context"
	"errors"
	"io/fs"
)

// HostStatus is what the hosts command shows for one host.
type HostStatus struct {
	Host   Host
	Path   string // where its config is on this machine
	Exists bool
	Size   int64 // bytes; 0 when it does not exist or Problem is set
	// Problem says why what is at Path is no config create could back
	// up: "not a file: a folder" for a directory or any other
	// non-regular file, or why it could not be looked at. "" when it is a
	// regular file or missing.
	Problem string
	Latest  *Backup // its latest backup (Store.Latest); nil when it has none
}

// HostStatuses returns every host of the table, in order, with its config
// path on this machine and its latest backup.
func (s *Store) HostStatuses(ctx context.Context) ([]HostStatus, error) {
	out := make([]HostStatus, 0, len(hostTable))
	for _, h := range hostTable {
		st := HostStatus{Host: h, Path: h.ConfigPath(s.env)}
		st.Exists, st.Size, st.Problem = s.configState(st.Path)
		b, err := s.Latest(ctx, h.Name)
		switch {
		case err == nil:
			st.Latest = &b
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// configState says whether a config is at p, its size, and what makes it
// no config (a folder, a FIFO, a path it may not look at).
func (s *Store) configState(p string) (exists bool, size int64, problem string) {
	fi, err := s.fs.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, 0, ""
	case err != nil:
		return true, 0, "cannot be looked at: " + pathless(err).Error()
	case !fi.Mode().IsRegular():
		return true, 0, "not a file: " + fileKind(fi.Mode())
	}
	return true, fi.Size(), ""
}
