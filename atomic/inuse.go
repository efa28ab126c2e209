package atomic

import (
	"errors"
	"fmt"
	"syscall"
	"time"
)

// Win32 error codes that mean "another program holds this file": a host
// app with its config open without FILE_SHARE_DELETE, an antivirus or an
// indexer scanning a file just written. They are spelled here as numbers,
// not taken from x/sys/windows, so that the classifier (and the retry it
// drives) is ordinary code that the tests run on every OS; on Windows a
// test checks them against x/sys/windows.
const (
	winErrorAccessDenied     syscall.Errno = 5
	winErrorSharingViolation syscall.Errno = 32
	winErrorLockViolation    syscall.Errno = 33
)

// windowsInUse reports whether err is one of the Win32 "in use" errors.
// ERROR_ACCESS_DENIED is among them because that is what MoveFileEx says
// when the target is open without FILE_SHARE_DELETE or is being deleted.
func windowsInUse(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	return errno == winErrorAccessDenied || errno == winErrorSharingViolation || errno == winErrorLockViolation
}

// The retry schedule for a publish that fails because the file is in use:
// pauses of 10, 20, 40, ... ms, each at most maxInUsePause, for at most
// inUseBudget of sleep in all (1.81 s in 12 attempts).
const (
	firstInUsePause = 10 * time.Millisecond
	maxInUsePause   = 250 * time.Millisecond
	inUseBudget     = 2 * time.Second
)

// retryPolicy says which publish errors are worth retrying and how to wait.
// Production uses platformRetry; tests pass the Windows classifier and a
// sleep that only records, so the retry logic runs on every OS without
// waiting.
type retryPolicy struct {
	inUse  func(error) bool
	sleep  func(time.Duration)
	budget time.Duration
}

// platformRetry is the policy of this OS: inUse is the platform's
// classifier (never true outside Windows).
var platformRetry = retryPolicy{inUse: inUse, sleep: time.Sleep, budget: inUseBudget}

// do runs publish until it succeeds, fails for another reason, or the
// sleep budget is spent; then the error wraps ErrInUse. stop, when not nil,
// is asked after each in-use failure whether to give up at once with that
// error instead (WriteNew: the name has been taken meanwhile).
func (p retryPolicy) do(publish func() error, stop func(error) error) error {
	var slept time.Duration
	for pause := firstInUsePause; ; pause = min(2*pause, maxInUsePause) {
		err := publish()
		if err == nil || !p.inUse(err) {
			return err
		}
		if stop != nil {
			if serr := stop(err); serr != nil {
				return serr
			}
		}
		if slept+pause > p.budget {
			return fmt.Errorf("%w (gave up after %s): %w", ErrInUse, slept.Round(10*time.Millisecond), err)
		}
		p.sleep(pause)
		slept += pause
	}
}
