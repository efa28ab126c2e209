package store

import (
	"context"
	"path/filepath"
)

// CompareOptions select a backup and what to compare it with.
type CompareOptions struct {
	Host string
	// Timestamp selects the backup; "" means the latest.
	Timestamp string
	// To is the file to compare with; "" means the path the backup was
	// taken from, or the host's usual path when that is unknown.
	To string
}

// Comparison holds both sides of a diff: a verified backup and the file it
// is compared with. Both hold config content: callers print them only
// where content is the point (diff), masked.
type Comparison struct {
	Backup Backup
	Old    []byte // the backup's original bytes, checked against the index
	Target string // the file compared with, absolute
	New    []byte
	Host   Host
}

// Compare reads a backup (verified like Read) and the file to compare it
// with. A damaged backup is ErrIntegrity; a missing file ErrConfigMissing.
func (s *Store) Compare(ctx context.Context, o CompareOptions) (Comparison, error) {
	h, err := LookupHost(o.Host)
	if err != nil {
		return Comparison{}, err
	}
	b, err := s.Find(ctx, o.Host, o.Timestamp)
	if err != nil {
		return Comparison{}, err
	}
	c := Comparison{Backup: b, Host: h, Target: o.To}
	if c.Target == "" {
		c.Target = b.OriginalPath
	}
	if c.Target == "" {
		c.Target = h.ConfigPath(s.env)
	}
	if c.Target, err = filepath.Abs(c.Target); err != nil {
		return Comparison{}, err
	}
	if c.Old, err = s.Read(b); err != nil {
		return Comparison{}, err
	}
	if c.New, err = s.readConfig(c.Target); err != nil {
		return Comparison{}, err
	}
	return c, nil
}
