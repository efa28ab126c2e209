package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/hatch-backup/hatch-backup/index"
)

// ChangeSet is one guarded run or one undo, as the index records it: the
// command line, its times and exit code, and per host the config's state
// before and after (nil: absent).
type ChangeSet = index.ChangeSet

// HostChange is one config in a ChangeSet.
type HostChange = index.HostChange

// ConfigState is a config's content as one backup holds it.
type ConfigState = index.ConfigState

// ErrNoChangeSet: undo found no change set to undo.
var ErrNoChangeSet = fmt.Errorf("%w: no change set recorded (guard records one)", ErrNotFound)

// ChangeSets calls fn with the recorded change sets, newest first, until
// it returns false.
func (s *Store) ChangeSets(ctx context.Context, fn func(ChangeSet) bool) error {
	if s.db == nil {
		return nil
	}
	return s.db.ChangeSets(fn)
}

// LastChangeSet is the newest change set; ErrNoChangeSet when none.
func (s *Store) LastChangeSet(ctx context.Context) (ChangeSet, error) {
	var last ChangeSet
	found := false
	err := s.ChangeSets(ctx, func(cs ChangeSet) bool { last, found = cs, true; return false })
	if err == nil && !found {
		err = ErrNoChangeSet
	}
	return last, err
}

// putChangeSet records cs (a new id when cs.ID is 0) and sets its id.
func (s *Store) putChangeSet(cs *ChangeSet) error {
	if err := s.writable(); err != nil {
		return err
	}
	id, err := s.db.PutChangeSet(*cs)
	if err != nil {
		return fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	cs.ID = id
	return nil
}

// stateOf is the ConfigState of backup b.
func stateOf(b Backup) *ConfigState {
	return &ConfigState{Timestamp: b.Timestamp, Created: b.Created, SHA256: b.SHA256}
}

// sameState reports whether two states hold the same content (both
// absent, or the same sha256).
func sameState(a, b *ConfigState) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.SHA256 == b.SHA256
}

// currentSum reads the config at p: its sha256, or exists false when
// there is none.
func (s *Store) currentSum(p string) (sum [32]byte, exists bool, err error) {
	sum, _, err = s.configForServers(p)
	if errors.Is(err, ErrConfigMissing) {
		return sum, false, nil
	}
	if err != nil {
		return sum, false, err
	}
	return sum, true, nil
}

// matches reports whether the config at p holds state st.
func (s *Store) matches(p string, st *ConfigState) (bool, error) {
	sum, exists, err := s.currentSum(p)
	if err != nil {
		return false, err
	}
	if st == nil {
		return !exists, nil
	}
	return exists && sum == st.SHA256, nil
}

// HostReport says what a change set did to one config.
type HostReport struct {
	Host string
	Path string
	// Kind is "changed", "created" or "deleted".
	Kind string
	// Servers are the MCP servers added, removed or changed, by name; nil
	// when either side does not parse (or is absent, for created and
	// deleted configs every server counts as added or removed).
	Servers []ServerChange
}

// Report lists the configs that cs changed, created or deleted, with
// their servers' changes by name. It reads the backups of both states.
func (s *Store) Report(ctx context.Context, cs ChangeSet) []HostReport {
	var out []HostReport
	for _, h := range cs.Hosts {
		if sameState(h.Before, h.After) || (!cs.Complete && h.After == nil) {
			continue
		}
		r := HostReport{Host: h.Host, Path: h.Path, Kind: "changed"}
		switch {
		case h.Before == nil:
			r.Kind = "created"
		case h.After == nil:
			r.Kind = "deleted"
		}
		before, okB := s.serversAt(ctx, h.Host, h.Before)
		after, okA := s.serversAt(ctx, h.Host, h.After)
		if okB && okA {
			r.Servers = DiffServers(before, after)
		}
		out = append(out, r)
	}
	return out
}

// serversAt parses the servers of the backup holding st; an absent config
// has none. ok is false when they cannot be known.
func (s *Store) serversAt(ctx context.Context, host string, st *ConfigState) (map[string]string, bool) {
	if st == nil {
		return map[string]string{}, true
	}
	b, err := s.Get(ctx, host, st.Timestamp)
	if err != nil {
		return nil, false
	}
	data, err := s.readParsable(b) // a huge config's servers are unknown
	if err != nil {
		return nil, false
	}
	h, err := LookupHost(host)
	if err != nil {
		return nil, false
	}
	servers, err := h.Servers(data)
	return servers, err == nil
}

// guardTargets are the configs a guard watches: each named host's usual
// path, or every host's (existing or not: the command may create one).
func (s *Store) guardTargets(hosts []string) ([]HostChange, error) {
	if len(hosts) == 0 {
		for _, h := range hostTable {
			hosts = append(hosts, h.Name)
		}
	}
	var out []HostChange
	seen := map[string]bool{}
	for _, name := range hosts {
		h, err := LookupHost(name)
		if err != nil {
			return nil, err
		}
		p, err := filepath.Abs(h.ConfigPath(s.env))
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", h.ConfigPath(s.env), err)
		}
		if !seen[h.Name+"\x00"+p] {
			seen[h.Name+"\x00"+p] = true
			out = append(out, HostChange{Host: h.Name, Path: p})
		}
	}
	return out, nil
}
