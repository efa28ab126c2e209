package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/hatch-backup/hatch-backup/store"
)

// The documented exit codes (README.md, "Exit codes").
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitIntegrity   = 3
	exitNotFound    = 10
	exitLocked      = 11
	exitInterrupted = 130
)

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var ue *usageError
	var ce *commandExit
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, store.ErrLocked):
		return exitLocked
	case errors.Is(err, store.ErrInUse):
		// Before the checks below: Windows says "access denied" for a
		// file in use, and nothing else may claim it.
		return exitFailed
	case store.IsIntegrity(err), errors.Is(err, store.ErrNewerSchema), errors.Is(err, store.ErrUnparsable):
		return exitIntegrity
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConfigMissing):
		return exitNotFound
	case errors.As(err, &ue), errors.Is(err, store.ErrUnknownHost),
		errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrNoOriginalPath):
		return exitUsage
	}
	return exitFailed
}
