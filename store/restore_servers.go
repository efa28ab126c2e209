package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/mcpconfig"
)

// ErrUnparsable: the current config does not parse, so servers cannot be
// put into it; restoring the whole file is the way out.
var ErrUnparsable = errors.New("does not parse")

// ErrSpliceUnsupported: the servers cannot be put back without touching
// other bytes of the config (a format with no splicer yet, servers in a
// shape it does not edit).
var ErrSpliceUnsupported = mcpconfig.ErrSpliceUnsupported

// RestoreServersOptions select a backup and the servers to put back.
type RestoreServersOptions struct {
	Host string
	// Timestamp selects the backup; "" means the latest that is neither a
	// safety backup nor future-dated and holds a server the current
	// config lacks (with Servers: one of those, in another definition).
	Timestamp string
	// Servers are the names to put back, each replacing the current one;
	// none means every server of the backup that the current config lacks.
	Servers []string
	// Project selects claude-code's per-project servers of that path.
	Project string
	// To is the config to repair; "" means the host's config (or, with a
	// Timestamp, the path that backup was taken from).
	To       string
	DryRun   bool
	NoBackup bool
}

// RestoreServersResult says what RestoreServers did (or, dry, would do).
// Changed is false, and RestoredServers empty, when the current config
// already holds every server asked for.
type RestoreServersResult struct {
	RestoreResult
	RestoredServers []string // names, sorted
}

// RestoreServers puts MCP server entries of a backup back into the
// current config, leaving every other byte of it as it is (see
// mcpconfig.SpliceServers): the config keeps what its application wrote
// since the backup. Like Restore it verifies the backup, takes a safety
// backup of the current config and replaces it atomically; it refuses a
// current config that does not parse (ErrUnparsable) and one that changed
// while it worked.
func (s *Store) RestoreServers(ctx context.Context, o RestoreServersOptions) (RestoreServersResult, error) {
	res := RestoreServersResult{RestoreResult: RestoreResult{DryRun: o.DryRun}}
	if !o.DryRun {
		if err := s.writable(); err != nil {
			return res, err
		}
	}
	h, err := LookupHost(o.Host)
	if err != nil {
		return res, err
	}
	if !mcpconfig.SpliceSupported(h.Format) {
		return res, fmt.Errorf("--servers for %s: %w: %s configs are not supported yet; restore the whole file instead (hatch-backup restore --host %s)",
			h.Name, ErrInvalid, h.Format, h.Name)
	}
	if o.Project != "" && h.ProjectsKey == "" {
		return res, fmt.Errorf("--project %s: %w: %s keeps no per-project servers", o.Project, ErrInvalid, h.Name)
	}
	var b Backup
	if o.Timestamp != "" {
		if b, err = s.Get(ctx, o.Host, o.Timestamp); err != nil {
			return res, err
		}
	}
	if res.Target, err = s.serversTarget(h, b, o.To); err != nil {
		return res, err
	}
	if err := s.CheckOutside(res.Target); err != nil {
		return res, fmt.Errorf("restore target %w", err)
	}
	current, curServers, err := s.currentServers(h, o.Project, res.Target)
	if err != nil {
		return res, err
	}
	var data []byte
	if o.Timestamp != "" {
		data, err = s.readParsable(b)
	} else {
		b, data, err = s.backupWithServers(ctx, h, o, res.Target, curServers)
	}
	if err != nil {
		return res, err
	}
	res.Restored = b
	names, err := serversToPut(h, o, b, data, curServers)
	if err != nil || len(names) == 0 {
		return res, err
	}
	out, err := mcpconfig.SpliceServers(h.layout(), o.Project, current, data, names)
	if errors.Is(err, mcpconfig.ErrNoServer) {
		return res, fmt.Errorf("config %s: %w: %w", res.Target, ErrNotFound, err)
	}
	if err != nil {
		return res, fmt.Errorf("config %s: %w", res.Target, err)
	}
	res.RestoredServers, res.Changed = names, true
	if o.DryRun {
		return res, nil
	}
	return res, s.putSpliced(ctx, &res, current, out, o.NoBackup)
}

// serversTarget is the config RestoreServers repairs.
func (s *Store) serversTarget(h Host, b Backup, to string) (string, error) {
	if to == "" {
		to = b.OriginalPath
	}
	if to == "" {
		to = h.ConfigPath(s.env)
	}
	return filepath.Abs(to)
}

// currentServers reads the config at target and its servers in scope.
func (s *Store) currentServers(h Host, project, target string) ([]byte, map[string]string, error) {
	current, exists, err := s.readTarget(target)
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		return nil, nil, fmt.Errorf("config %s: %w: restore the whole file instead (hatch-backup restore --host %s)", target, ErrConfigMissing, h.Name)
	}
	servers, err := mcpconfig.ScopeServers(h.layout(), project, current)
	var pe *mcpconfig.ParseError
	switch {
	case errors.As(err, &pe):
		return nil, nil, fmt.Errorf("config %s %w as %s%s: restore the whole file instead (hatch-backup restore --host %s)",
			target, ErrUnparsable, pe.Format, at(pe.Position()), h.Name)
	case err != nil:
		return nil, nil, fmt.Errorf("config %s: %w: %w", target, ErrUnparsable, err)
	}
	return current, servers, nil
}

func at(pos string) string {
	if pos == "" {
		return ""
	}
	return " at " + pos
}

// backupWithServers is the backup RestoreServers takes by default: the
// newest (through latest: never future-dated, never a safety backup)
// taken from target (or from an unknown path; failing those, from any
// path of the host) that parses and holds a server to put back.
// ErrNotFound when none does.
func (s *Store) backupWithServers(ctx context.Context, h Host, o RestoreServersOptions, target string, cur map[string]string) (Backup, []byte, error) {
	passed := map[string]bool{}
	anyPath := false
	var tooBig error // the first backup passed over for its size
	for {
		if err := ctx.Err(); err != nil {
			return Backup{}, nil, err
		}
		b, err := s.latest(h.Name, func(r index.Record) bool {
			return !r.Safety && r.Parse != index.Unparsable && !passed[r.Timestamp] &&
				(anyPath || r.OriginalPath == "" || samePath(r.OriginalPath, target))
		})
		if errors.Is(err, ErrNotFound) && !anyPath {
			// None taken from this config: one from another path of the
			// host (a config that moved) is better than none.
			anyPath = true
			continue
		}
		if errors.Is(err, ErrNotFound) && tooBig != nil {
			return Backup{}, nil, tooBig // say why the newest was not read
		}
		if errors.Is(err, ErrNotFound) {
			what := "a server that " + target + " lacks"
			if len(o.Servers) > 0 {
				what = "server " + strings.Join(o.Servers, ", ") + " in another definition than " + target + "'s"
			}
			return Backup{}, nil, fmt.Errorf("%w of %s holds %s", ErrNotFound, h.Name, what)
		}
		if err != nil {
			return Backup{}, nil, err
		}
		passed[b.Timestamp] = true
		data, err := s.readParsable(b)
		if errors.Is(err, ErrInvalid) && tooBig == nil {
			tooBig = err
		}
		if IsIntegrity(err) || errors.Is(err, ErrInvalid) {
			continue // a damaged or huge backup is no candidate; look further
		}
		if err != nil {
			return Backup{}, nil, err
		}
		if names, err := serversToPut(h, o, b, data, cur); err == nil && len(names) > 0 {
			return b, data, nil
		}
	}
}

// samePath compares config paths as the file system would (case-folded
// where names are).
func samePath(a, b string) bool {
	a, b = filepath.Clean(a), filepath.Clean(b)
	return a == b || (foldCase && strings.EqualFold(a, b))
}

// serversToPut are the servers of backup data to put into a config whose
// servers are cur: the named ones whose definition differs, or every one
// cur lacks.
func serversToPut(h Host, o RestoreServersOptions, b Backup, data []byte, cur map[string]string) ([]string, error) {
	bak, err := mcpconfig.ScopeServers(h.layout(), o.Project, data)
	if err != nil {
		return nil, fmt.Errorf("backup %s of %s %w: %w", b.Timestamp, h.Name, ErrUnparsable, err)
	}
	var names []string
	if len(o.Servers) == 0 {
		for n := range bak {
			if _, ok := cur[n]; !ok {
				names = append(names, n)
			}
		}
	}
	for _, n := range o.Servers {
		def, ok := bak[n]
		if !ok {
			return nil, fmt.Errorf("server %q: %w: backup %s of %s holds %s", n, ErrNotFound, b.Timestamp, h.Name, serverList(bak))
		}
		if cur[n] != def && !contains(names, n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// serverList names servers for a message (names only, never values).
func serverList(m map[string]string) string {
	if len(m) == 0 {
		return "no servers"
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, fmt.Sprintf("%q", n))
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// putSpliced backs up the current config, then replaces it with out,
// unless its content changed since it was read (its application wrote it
// meanwhile): then nothing is replaced and the user runs again.
func (s *Store) putSpliced(ctx context.Context, res *RestoreServersResult, current, out []byte, noBackup bool) error {
	if now, _, err := s.readTarget(res.Target); err != nil || !bytes.Equal(now, current) {
		return fmt.Errorf("config %s changed while its servers were being restored; nothing was replaced, run the command again", res.Target)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if !noBackup {
		safety, err := s.store(ctx, res.Restored.Host, res.Target, current, false, true)
		if err != nil {
			return fmt.Errorf("safety backup of %s: %w", res.Target, err)
		}
		res.SafetyBackup = &safety
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.replace(res.Target, out)
}
