//go:build unix

package main

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestSignalContext: nothing is caught until something waits on the
// context; from then on SIGTERM cancels it instead of ending the process.
func TestSignalContext(t *testing.T) {
	ctx := newSignalContext()
	defer ctx.stop()
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err before anything waited: %v", err)
	}
	if ctx.armed.Load() {
		t.Fatal("armed before anything waited")
	}
	child, cancel := context.WithCancel(ctx) // waits on ctx.Done: arms it
	defer cancel()
	if !ctx.armed.Load() {
		t.Fatal("a derived context did not arm it")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	if !errors.Is(ctx.Err(), context.Canceled) || !errors.Is(child.Err(), context.Canceled) {
		t.Fatalf("Err after SIGTERM: %v, child %v", ctx.Err(), child.Err())
	}
}

// TestInterruptible: a long command arms the context as it starts.
func TestInterruptible(t *testing.T) {
	ctx := newSignalContext()
	defer ctx.stop()
	interruptible(ctx)
	if !ctx.armed.Load() {
		t.Fatal("interruptible did not arm the signal context")
	}
	interruptible(context.Background()) // any other context: no effect
}

// TestHoldSignals: while held, SIGTERM does not end the process (this
// test would die); once armed, a signal cancels the context instead.
func TestHoldSignals(t *testing.T) {
	ctx := newSignalContext()
	defer ctx.stop()
	holdSignals(ctx)
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // a signal not ignored would have ended the test by now
	if ctx.Err() != nil {
		t.Fatal("a held signal cancelled the context")
	}
	interruptible(ctx) // a lock wait arms the context meanwhile
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the armed context")
	}
	holdSignals(context.Background()) // any other context: no effect
}
