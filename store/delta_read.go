package store

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
)

// MaxDeltaSteps is how many decode steps any backup takes to read back at
// most: compact --delta and clean never make a longer chain of deltas.
const MaxDeltaSteps = 16

// maxReadDepth bounds the chains the read path follows: longer than any
// chain hatch-backup makes, so that a store from elsewhere still reads, and
// finite, so that damage cannot make a read loop.
const maxReadDepth = 4 * MaxDeltaSteps

// decodeDelta decodes the .delta file stored of b, whose chain so far is
// depth deltas long: it reads b's base (checked against the index's
// sha256, recursively) and decodes stored against it. A base that is
// missing, damaged or unreadable is a ProblemDeltaBase of b naming the
// base. A base is always newer than its delta, so a chain cannot loop.
func (s *Store) decodeDelta(b Backup, stored []byte, depth int) ([]byte, *Problem, error) {
	problem := func(k ProblemKind, format string, args ...any) ([]byte, *Problem, error) {
		return nil, &Problem{Kind: k, Host: b.Host, Timestamp: b.Timestamp, Path: b.Path, Detail: fmt.Sprintf(format, args...)}, nil
	}
	h, frame, err := blob.ParseDelta(stored)
	if err != nil {
		return problem(ProblemUndecodable, "%v", err)
	}
	if h.Base != b.Base {
		return problem(ProblemUndecodable, "the file names base %s, the index %s", h.Base, b.Base)
	}
	if depth >= maxReadDepth {
		return problem(ProblemDeltaBase, "a chain of more than %d deltas", maxReadDepth)
	}
	base, err := s.baseOf(b)
	if errors.Is(err, ErrNotFound) {
		return problem(ProblemDeltaBase, "its base %s is not in the index", b.Base)
	}
	if err != nil {
		return nil, nil, err
	}
	if !base.Created.After(b.Created) {
		return problem(ProblemDeltaBase, "its base %s is not newer than it", b.Base)
	}
	baseData, _, p, err := s.checkBackupAt(base, depth+1)
	if err != nil {
		return nil, nil, err
	}
	if p != nil {
		return problem(ProblemDeltaBase, "its base %s is unreadable: %s: %s", b.Base, p.Kind, p.Detail)
	}
	data, err := blob.DecodeDeltaInto(getSpare(), frame, baseData, b.OriginalSize)
	putSpare(baseData) // its last use: a step's result is only the next step's base
	if err != nil {
		return problem(ProblemUndecodable, "%v", err)
	}
	return data, nil, nil
}

// spares are the buffers of a chain's decoded steps, each reused for a
// step further down once it served as a base: a read of an 8-step chain
// of a 167 KB config touches two buffers instead of eight, and a process
// that reads one backup faults in less fresh memory.
var spares sync.Pool

// maxSpare is the largest buffer kept for reuse.
const maxSpare = 64 << 20

func getSpare() []byte {
	if p, ok := spares.Get().(*[]byte); ok {
		return *p
	}
	return nil
}

func putSpare(b []byte) {
	if cap(b) > 0 && cap(b) <= maxSpare {
		b = b[:0]
		spares.Put(&b)
	}
}

// baseOf returns the backup b is a delta against; ErrNotFound when the
// index has none by that timestamp.
func (s *Store) baseOf(b Backup) (Backup, error) {
	if s.db == nil && s.detached != nil {
		return s.detached.baseOf(b)
	}
	if s.db == nil {
		return Backup{}, fmt.Errorf("%w: no index", ErrNotFound)
	}
	near, err := blob.ParseTimestamp(b.Base, s.loc)
	if err != nil {
		return Backup{}, fmt.Errorf("%w: base timestamp %q", ErrNotFound, b.Base)
	}
	r, err := s.db.Get(b.Host, b.Base, near)
	if errors.Is(err, index.ErrNotFound) {
		return Backup{}, fmt.Errorf("%w: base %s of %s", ErrNotFound, b.Base, b.Path)
	}
	if err != nil {
		return Backup{}, fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	return s.backupOf(r), nil
}

// decodeFile reads the original bytes of host's backup at timestamp ts from
// its file in dir alone (plain, .zst or .delta, following a delta's base):
// what reindex adopts a delta with when the index is lost. of is the
// timestamp of the delta asking; depth bounds the chain (damage cannot
// make it loop).
func (s *Store) decodeFile(host, dir, ts, of string, depth int) ([]byte, error) {
	if ts == of {
		return nil, fmt.Errorf("backup %s names itself as its base", ts)
	}
	if depth >= maxReadDepth {
		return nil, fmt.Errorf("a chain of more than %d deltas", maxReadDepth)
	}
	name := blob.NewName(host, ts, false).String()
	p := filepath.Join(dir, name)
	if data, err := s.readFile(p, blob.MaxDecodedSize); err == nil {
		return data, nil
	}
	if z, err := s.readFile(p+blob.ZstdSuffix, blob.MaxDecodedSize); err == nil {
		return blob.Decompress(z, blob.MaxDecodedSize)
	}
	d, err := s.readFile(p+blob.DeltaSuffix, blob.MaxDecodedSize)
	if err != nil {
		return nil, fmt.Errorf("no file of backup %s: %w", ts, err)
	}
	h, frame, err := blob.ParseDelta(d)
	if err != nil {
		return nil, err
	}
	base, err := s.decodeFile(host, dir, h.Base, ts, depth+1)
	if err != nil {
		return nil, err
	}
	return blob.DecodeDelta(frame, base, blob.MaxDecodedSize)
}

// stemOf is a backup file's path without its .zst or .delta.
func stemOf(p string) string {
	if s, ok := strings.CutSuffix(p, blob.ZstdSuffix); ok {
		return s
	}
	return strings.TrimSuffix(p, blob.DeltaSuffix)
}

// finishDeltas finishes each interrupted compact --delta (or clean storing
// a delta whole) that a sound index shows: an unindexed file beside an
// indexed form of the same backup, one of them a .delta, is removed when
// it holds exactly the backup's content and the indexed form reads back
// intact. It returns the files left to adopt.
func (s *Store) finishDeltas(backups []Backup, files []found, res *ReindexResult) ([]found, error) {
	byStem := make(map[string]Backup, len(backups))
	for _, b := range backups {
		byStem[stemOf(b.Path)] = b
	}
	var errs []error
	files = slices.DeleteFunc(files, func(f found) bool {
		b, ok := byStem[stemOf(f.path)]
		if !ok || (!f.delta && b.Compression != index.Delta.String()) {
			return false
		}
		removed, err := s.removeFormOf(b, f.path)
		if err != nil {
			errs = append(errs, err)
		}
		if removed {
			res.Finished = append(res.Finished, b)
		}
		return removed
	})
	return files, errors.Join(errs...)
}

// pairDeltas leaves out, from backup files none of which is indexed, each
// .delta beside a plain or .zst file of the same backup holding the same
// content (an interrupted compact --delta, or clean): the whole form is
// adopted, the .delta removed afterwards (dups).
func (s *Store) pairDeltas(files []found) ([]found, []string, error) {
	var dups []string
	err := eachTimestamp(files, func(run []found) error {
		for _, f := range run {
			if !f.delta {
				continue
			}
			w, ok := wholeForm(run, f)
			if !ok {
				continue
			}
			data, err := s.decodeDeltaFile(f)
			if err != nil {
				continue // damaged: adoption reports it
			}
			other, err := s.readFile(w.path, blob.MaxDecodedSize)
			if err != nil {
				if err = ignoreDamage(err); err != nil {
					return err
				}
				continue // a damaged whole form: both are adopted, and judged, on their own
			}
			if w.compressed {
				if other, err = blob.Decompress(other, blob.MaxDecodedSize); err != nil {
					continue
				}
			}
			if bytes.Equal(data, other) {
				dups = append(dups, f.path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(dups) == 0 {
		return files, nil, nil
	}
	return slices.DeleteFunc(files, func(f found) bool { return slices.Contains(dups, f.path) }), dups, nil
}

// wholeForm is the last file of run that is a whole form (plain or .zst)
// of delta f's backup.
func wholeForm(run []found, f found) (found, bool) {
	for i := len(run) - 1; i >= 0; i-- {
		if w := run[i]; !w.delta && stemOf(w.path) == stemOf(f.path) {
			return w, true
		}
	}
	return found{}, false
}

// decodeDeltaFile decodes the .delta file f from the files alone.
func (s *Store) decodeDeltaFile(f found) ([]byte, error) {
	d, err := s.readFile(f.path, blob.MaxDecodedSize)
	if err != nil {
		return nil, err
	}
	h, frame, err := blob.ParseDelta(d)
	if err != nil {
		return nil, err
	}
	base, err := s.decodeFile(f.host, filepath.Dir(f.path), h.Base, f.timestamp, 1)
	if err != nil {
		return nil, err
	}
	return blob.DecodeDelta(frame, base, blob.MaxDecodedSize)
}
