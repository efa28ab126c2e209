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
	Size   int64   // bytes; 0 when it does not exist
	Latest *Backup // its latest backup (Store.Latest); nil when it has none
}

// HostStatuses returns every host of the table, in order, with its config
// path on this machine and its latest backup.
func (s *Store) HostStatuses(ctx context.Context) ([]HostStatus, error) {
	out := make([]HostStatus, 0, len(hostTable))
	for _, h := range hostTable {
		st := HostStatus{Host: h, Path: h.ConfigPath(s.env)}
		if fi, err := s.fs.Stat(st.Path); err == nil {
			st.Exists, st.Size = true, fi.Size()
		} else if !errors.Is(err, fs.ErrNotExist) {
			st.Exists = true // there, but unreadable: create will say why
		}
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
