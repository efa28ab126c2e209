package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// progressEvery is the least time between two redraws of a progress bar.
const progressEvery = 100 * time.Millisecond

// progress returns the Progress callback for a long operation named label:
// a bar on stderr when stderr is a terminal, nil (nothing shown) when it is
// not or with --json. Store options take it as is.
func (a *app) progress(label string) func(done, total int) {
	if a.json || !isTerminal(a.stderr) {
		return nil
	}
	return newProgressBar(a.stderr, label, time.Now).update
}

// isTerminal reports whether w is a terminal (no cgo: an ioctl or the
// console mode, see term_*.go).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFd(f.Fd())
}

// progressBar redraws one line in place ("\r"), at most every
// progressEvery, and always the first and the final state; the final one
// ends the line.
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	now   func() time.Time
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer, label string, now func() time.Time) *progressBar {
	return &progressBar{w: w, label: label, now: now}
}

func (p *progressBar) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.now()
	final := done >= total
	if p.drawn && !final && t.Sub(p.last) < progressEvery {
		return
	}
	p.last, p.drawn = t, true
	fmt.Fprintf(p.w, "\r%s %s %d/%d", p.label, bar(done, total, 30), done, total)
	if final {
		fmt.Fprintln(p.w)
	}
}

// bar is a bar of width cells filled in proportion to done/total.
func bar(done, total, width int) string {
	filled := width
	if total > 0 {
		filled = min(max(done, 0), total) * width / total
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat(" ", width-filled) + "]"
}
