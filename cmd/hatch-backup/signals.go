package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// interruptSignals end a command early: Ctrl-C, and the polite kill.
var interruptSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// signalContext is done when the process gets one of interruptSignals,
// counted from the moment something first waits on it (Done), or from
// arm. Catching them costs a thread and a few signal calls at start (about
// 0.2 ms, a tenth of a create), so a short command catches them only when
// it has to wait (for the store lock); until then they keep their default
// action and end the process at once, except during a short write, which
// holds them off (holdSignals). The long commands (verify, reindex, clean,
// compact, create --all) arm it as they start, so that they stop at a
// clean point and exit 130.
type signalContext struct {
	once   sync.Once
	armed  atomic.Bool
	ctx    context.Context
	cancel context.CancelFunc
}

func newSignalContext() *signalContext { return &signalContext{} }

// arm starts catching the signals, if nothing has yet.
func (s *signalContext) arm() {
	s.once.Do(func() {
		s.ctx, s.cancel = signal.NotifyContext(context.Background(), interruptSignals...)
		s.armed.Store(true)
	})
}

// stop stops catching the signals.
func (s *signalContext) stop() {
	if s.armed.Load() {
		s.cancel()
	}
}

func (s *signalContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (s *signalContext) Value(any) any               { return nil }

func (s *signalContext) Done() <-chan struct{} {
	s.arm()
	return s.ctx.Done()
}

// Err is nil until armed: before that, a signal would have ended the
// process, so nothing can have been interrupted.
func (s *signalContext) Err() error {
	if !s.armed.Load() {
		return nil
	}
	return s.ctx.Err()
}

// holdSignals makes interruptSignals wait out a short write: from now on
// they are ignored, so a create or a restore that is not waiting for
// anything finishes (it takes about a millisecond) rather than being cut
// off and leaving a temp file behind. The hold lasts for the rest of the
// process: the write is its command's last step, and os/signal has no way
// back from Ignore to the default action (Reset undoes Notify only; it
// would also start the runtime's signal-mask thread, 0.1 ms). When ctx
// catches the signals already, or starts to meanwhile (a wait for the lock
// arms it, and Notify takes them back from Ignore), they cancel ctx as
// usual instead.
func holdSignals(ctx context.Context) {
	if s, ok := ctx.(*signalContext); ok && !s.armed.Load() {
		signal.Ignore(interruptSignals...)
	}
}

// interruptible makes ctx catch interruptSignals from now on, when it is
// the program's signal context (a long command's first step).
func interruptible(ctx context.Context) {
	_ = ctx.Done()
}
