package store

import (
	"context"
	"errors"
)

// openInspect opens like a reader but never asks for a writer: a missing
// index stays missing (its files are reported unindexed), an old one is
// read as it is, and a damaged or newer one becomes a Problem for Verify
// instead of an error.
func (s *Store) openInspect(ctx context.Context) error {
	err := s.openReader(ctx)
	var kind ProblemKind
	switch {
	case err == nil, errors.Is(err, errNeedsWriter):
		return nil
	case errors.Is(err, ErrNewerSchema):
		kind = ProblemIndexNewer
	case IsIntegrity(err):
		kind = ProblemIndexCorrupt
	default:
		return err
	}
	if s.db != nil {
		s.db.Close()
		s.db = nil
	}
	s.indexProblem = &Problem{Kind: kind, Path: s.indexPath(), Detail: err.Error()}
	return nil
}
