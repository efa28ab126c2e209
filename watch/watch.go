// Package watch turns file-system events into "this config may have
// changed" calls, debounced per config. It is the only user of the event
// library (fsnotify: inotify on Linux, kqueue on macOS and the BSDs,
// ReadDirectoryChangesW on Windows; no polling).
//
// It watches each config's folder, not the file: editors and apps save by
// writing a temp file and renaming it over the config, which ends a watch
// on the file itself. A config whose folder does not exist yet is watched
// from its nearest existing ancestor until the folder appears; a
// symlinked config is watched at its target's folder too, so a change of
// the target (or of the link) is seen.
//
// What it does not do: it reads no file and knows nothing of backups;
// Run calls Options.Changed, which decides.
package watch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Target is one config to watch.
type Target struct {
	Host string
	Path string // absolute
}

// Options configure Run.
type Options struct {
	Targets []Target
	// Debounce is how long a config must see no event before Changed is
	// called: a burst of writes gives one call.
	Debounce time.Duration
	// Changed is called, one call at a time, for each target at start and
	// after each settled change. A positive retry asks for another call
	// after that long even without an event.
	Changed func(ctx context.Context, t Target) (retry time.Duration)
	// Problem reports a failure of the watching itself (a folder that
	// cannot be watched, an event queue overflow); the watch goes on.
	Problem func(err error)
}

// Run watches until ctx is done, then returns nil once the Changed call
// in flight (if any) has returned. An error only when no watch can be
// started at all.
func Run(ctx context.Context, o Options) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("file-system events: %w", err)
	}
	defer w.Close()
	r := &runner{o: o, w: w, watched: map[string]bool{}, due: map[int]time.Time{}}
	for i := range o.Targets {
		r.call(ctx, i)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.arm(timer)
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			r.event(ev)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			r.problem(fmt.Errorf("file-system events: %w", err))
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				r.pokeAll()
			}
		case <-timer.C:
			r.fire(ctx)
		}
	}
}

type runner struct {
	o       Options
	w       *fsnotify.Watcher
	watched map[string]bool   // folders with a watch
	due     map[int]time.Time // target index -> when to call Changed
}

func (r *runner) problem(err error) {
	if r.o.Problem != nil {
		r.o.Problem(err)
	}
}

// call runs Changed for target i and schedules its retry.
func (r *runner) call(ctx context.Context, i int) {
	delete(r.due, i)
	// The watches are brought up to date first: a symlink may have
	// appeared (its target's folder needs a watch) without an event of its
	// own, in a folder that was watched only after it was made.
	r.rewatch()
	if retry := r.o.Changed(ctx, r.o.Targets[i]); retry > 0 {
		r.due[i] = time.Now().Add(retry)
	}
}

// arm sets timer to the earliest due call.
func (r *runner) arm(timer *time.Timer) {
	var next time.Time
	for _, t := range r.due {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
	if !next.IsZero() {
		timer.Reset(max(time.Until(next), 0))
	}
}

// fire calls Changed for every target that is due.
func (r *runner) fire(ctx context.Context) {
	now := time.Now()
	for i, t := range r.due {
		if !t.After(now) && ctx.Err() == nil {
			r.call(ctx, i)
		}
	}
}

// event pokes every target the event may concern, and watches the
// folders that a created or removed folder makes the right ones.
func (r *runner) event(ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	hit := false
	for i, t := range r.o.Targets {
		if concerns(name, t.Path) || concerns(name, linkTarget(t.Path)) {
			r.due[i] = time.Now().Add(r.o.Debounce)
			hit = true
		}
	}
	if hit {
		r.rewatch()
	}
}

func (r *runner) pokeAll() {
	for i := range r.o.Targets {
		r.due[i] = time.Now().Add(r.o.Debounce)
	}
	r.rewatch()
}

// concerns reports whether an event on name may change the file at p: it
// is p, or one of p's ancestors (a folder created, removed or renamed).
func concerns(name, p string) bool {
	if p == "" {
		return false
	}
	return samePath(name, p) || hasPrefix(p, name+string(filepath.Separator))
}

// linkTarget is the file a symlinked config resolves to; "" when p is no
// symlink (or does not resolve).
func linkTarget(p string) string {
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return ""
	}
	t, err := filepath.EvalSymlinks(p)
	if err != nil {
		return ""
	}
	return t
}

// rewatch makes the set of watched folders what the targets need now.
// It repeats until that set holds still: a folder created between the
// look and the watch (mkdir -p makes several at once) gives no event in
// the folder watched too late, so the look is taken again after each Add.
func (r *runner) rewatch() {
	for range 64 { // a bound, in case folders keep coming and going
		want := r.wanted()
		for d := range r.watched {
			if !want[d] {
				_ = r.w.Remove(d) // may be gone already with its folder
				delete(r.watched, d)
			}
		}
		added := false
		for d := range want {
			if r.watched[d] {
				continue
			}
			if err := r.w.Add(d); err != nil {
				r.problem(fmt.Errorf("watch folder %s: %w", d, err))
				continue
			}
			r.watched[d], added = true, true
		}
		if !added {
			return
		}
	}
}

// wanted is the set of folders the targets need watched.
func (r *runner) wanted() map[string]bool {
	want := map[string]bool{}
	for _, t := range r.o.Targets {
		want[nearestDir(filepath.Dir(t.Path))] = true
		if lt := linkTarget(t.Path); lt != "" {
			want[nearestDir(filepath.Dir(lt))] = true
		}
	}
	return want
}

// nearestDir is dir, or its nearest ancestor that exists.
func nearestDir(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			return dir
		}
		dir = up
	}
}
