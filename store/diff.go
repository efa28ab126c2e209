package store

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/hatch-backup/hatch-backup/mcpconfig"
)

// DiffOptions select a backup and what to compare it with.
type DiffOptions struct {
	Host string
	// Timestamp selects the backup; "" means the latest.
	Timestamp string
	// To is the file to compare with; "" means the path the backup was
	// taken from, or the host's usual path when that is unknown.
	To string
	// Servers asks for the summary of servers added, removed or changed;
	// then both sides must parse (ErrInvalid otherwise, naming the side).
	Servers bool
}

// DiffResult is what changed from a backup to a file. It holds no config
// content but Text, which is masked: a caller cannot get a secret from it.
type DiffResult struct {
	Backup Backup
	Target string // the file compared with, absolute
	// Differs says whether the bytes differ, anywhere.
	Differs bool
	// Text is the unified diff from the backup to Target, every line
	// masked (mcpconfig.Mask, with the secrets of both sides); "" when
	// they are equal. A change that touches only a secret still shows as
	// a changed line, *** on both sides.
	Text string
	// Servers lists the servers added, removed or changed, by name
	// (nil unless DiffOptions.Servers). With Servers asked, "the servers
	// differ" means len(Servers) > 0, whatever Differs says.
	Servers []ServerChange
}

// Diff compares a backup (verified like Read) with a file: whether they
// differ, the masked unified diff, and with o.Servers the servers that
// changed. A damaged backup is ErrIntegrity; a missing file
// ErrConfigMissing.
func (s *Store) Diff(ctx context.Context, o DiffOptions) (DiffResult, error) {
	c, err := s.compare(ctx, o)
	if err != nil {
		return DiffResult{}, err
	}
	r := DiffResult{Backup: c.backup, Target: c.target, Differs: !bytes.Equal(c.old, c.new)}
	if r.Differs {
		if r.Text, err = maskedDiff(c.host.Format, c.fromName(), c.target, c.old, c.new); err != nil {
			return DiffResult{}, err
		}
	}
	if o.Servers {
		if r.Servers, err = c.serverChanges(); err != nil {
			return DiffResult{}, err
		}
		if r.Servers == nil {
			r.Servers = []ServerChange{}
		}
	}
	return r, nil
}

// comparison holds both sides of a diff: a verified backup and the file it
// is compared with. old and new are raw config content: they stay inside
// the store, which hands out only masked text.
type comparison struct {
	backup   Backup
	old, new []byte
	target   string
	host     Host
}

// compare reads a backup (verified like Read) and the file to compare it
// with.
func (s *Store) compare(ctx context.Context, o DiffOptions) (comparison, error) {
	h, err := LookupHost(o.Host)
	if err != nil {
		return comparison{}, err
	}
	b, err := s.Find(ctx, o.Host, o.Timestamp)
	if err != nil {
		return comparison{}, err
	}
	c := comparison{backup: b, host: h, target: o.To}
	if c.target == "" {
		c.target = b.OriginalPath
	}
	if c.target == "" {
		c.target = h.ConfigPath(s.env)
	}
	if c.target, err = filepath.Abs(c.target); err != nil {
		return comparison{}, err
	}
	if c.old, err = s.readParsable(b); err != nil {
		return comparison{}, err
	}
	if c.new, err = s.readConfig(c.target); err != nil {
		return comparison{}, err
	}
	return c, nil
}

// fromName names the backup side in the diff's header.
func (c comparison) fromName() string {
	if c.backup.OriginalPath == "" {
		return c.backup.Path
	}
	return fmt.Sprintf("%s (backup %s)", c.backup.OriginalPath, c.backup.Timestamp)
}

// serverChanges compares the servers of both sides; a side that does not
// parse is named with its position.
func (c comparison) serverChanges() ([]ServerChange, error) {
	before, err := c.host.Servers(c.old)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w: %w", c.backup.Path, ErrInvalid, err)
	}
	after, err := c.host.Servers(c.new)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w: %w", c.target, ErrInvalid, err)
	}
	return DiffServers(before, after), nil
}

// maskedDiff diffs old and new line by line as they are, and shows each
// line masked: a change that only touches a secret still shows as a
// changed line, with *** on both sides. Both sides are masked with the
// secrets of both, so a secret moved into a comment stays hidden.
func maskedDiff(format, fromName, toName string, old, new []byte) (string, error) {
	edits := udiff.Lines(string(old), string(new))
	u, err := udiff.ToUnifiedDiff(fromName, toName, string(old), edits, udiff.DefaultContextLines)
	if err != nil {
		return "", err
	}
	maskedOld, maskedNew := mcpconfig.MaskPair(format, old, new)
	oldLines := strings.SplitAfter(maskedOld, "\n")
	newLines := strings.SplitAfter(maskedNew, "\n")
	for _, h := range u.Hunks {
		oi, ni := h.FromLine-1, h.ToLine-1
		for k := range h.Lines {
			l := &h.Lines[k]
			switch l.Kind {
			case udiff.Delete:
				l.Content = lineAt(oldLines, oi)
				oi++
			case udiff.Insert:
				l.Content = lineAt(newLines, ni)
				ni++
			default:
				l.Content = lineAt(newLines, ni)
				oi++
				ni++
			}
		}
	}
	return u.String(), nil
}

// lineAt is lines[i], or a mask should the counts ever disagree: a line is
// never shown unmasked.
func lineAt(lines []string, i int) string {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return "***\n"
}
