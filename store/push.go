package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hatch-backup/hatch-backup/blob"
	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/remote"
)

// pushSegmentEvery is how many uploaded backups a catalogue segment
// names at most: a push of 10,000 writes two segments, and a push of a
// million holds at most this many entries in memory.
const pushSegmentEvery = 8192

// pushPackers is how many packs go up at once; with the one being filled
// and one waiting, a push holds at most pushPackers+2 packs in memory.
const pushPackers = 2

// segmentTimeout bounds the segment written after an interrupted batch.
const segmentTimeout = 30 * time.Second

// PushOptions select what Push reports.
type PushOptions struct {
	// Progress is called as backups go up (a pack's worth at a time).
	Progress func(done, total int)
	// ReleaseLock releases the store lock once the backups to push are
	// listed: a create meanwhile does not wait for the upload, a backup
	// removed or re-encoded meanwhile is left to the next push. The store
	// is then good only for Close.
	ReleaseLock bool
}

// PushResult counts what Push did.
type PushResult struct {
	Uploaded int   // backups uploaded
	Skipped  int   // backups the remote already had
	Damaged  int   // local backups not uploaded: they fail their sha256
	Bytes    int64 // stored bytes uploaded (as on disk: plain, zstd or delta)
}

// Push uploads every local backup the remote's catalogue lacks (by host
// and instant), in packs, then catalogue segments naming them. Each
// backup goes as it is stored (plain, .zst or .delta, a delta with its
// base named), read and checked against its sha256 first: a damaged one
// is not uploaded (a warning names it). It streams the local listing and
// holds a few packs at a time. It never replaces or deletes a remote
// object; killed, it leaves packs no segment names, which the next push
// does not count and clean --remote collects.
func (s *Store) Push(ctx context.Context, r *remote.Remote, o PushOptions) (PushResult, error) {
	var res PushResult
	token := s.pushToken()
	if n, ok, err := r.UpToDate(ctx, token); err != nil || ok { // nothing new here or there: one LIST
		return PushResult{Skipped: n}, remoteErr(err)
	}
	cat, err := r.Catalogue(ctx)
	if err != nil {
		return res, remoteErr(err)
	}
	p := newPusher(s, r, cat, o.Progress)
	// What the remote lacks is listed first, under the lock: with
	// ReleaseLock the upload then runs without it. The list holds only
	// backups to send (a few hundred bytes each): after the first push,
	// what is new since the last.
	var todo []Backup
	for b, err := range s.List(ctx, Query{}) {
		if err != nil {
			return res, err
		}
		if p.present(b) {
			res.Skipped++
			continue
		}
		todo = append(todo, b)
	}
	p.total = len(todo)
	if o.ReleaseLock {
		if err := s.detach(todo); err != nil {
			return res, err
		}
	}
	p.start(ctx)
	var lerr error
	for i, b := range todo {
		todo[i] = Backup{} // sent: let it go
		if lerr = p.add(ctx, b); lerr != nil {
			break
		}
	}
	if errors.Is(lerr, errPushStopped) {
		lerr = nil
	}
	err = errors.Join(lerr, p.finish(ctx))
	res.Uploaded, res.Damaged, res.Bytes = p.recorded, p.damaged, p.bytes
	if err != nil {
		return res, remoteErr(err)
	}
	if err := r.Consolidate(ctx, cat); err != nil {
		return res, remoteErr(err)
	}
	if res.Damaged == 0 && p.changed == 0 {
		r.MarkUpToDate(cat, token, res.Skipped+res.Uploaded)
	}
	return res, nil
}

// entryKey is remote.Entry.Key for a local backup.
func entryKey(host string, b Backup) string {
	return remote.Entry{Host: host, Created: b.Created}.Key()
}

// errPushStopped: an upload failed or the push was interrupted; finish
// returns the cause.
var errPushStopped = errors.New("push stopped")

// pusher fills packs from the listing, sends them on pushPackers
// goroutines and writes a segment for every pushSegmentEvery backups
// that went up.
type pusher struct {
	s        *Store
	r        *remote.Remote
	cat      *remote.Catalogue
	have     map[string]remote.Sum // remote keys and sha256 (with what went up)
	progress func(done, total int)
	total    int

	packer *remote.Packer
	packs  chan *remote.Packer
	wg     sync.WaitGroup
	cancel context.CancelFunc

	mu       sync.Mutex
	up       []remote.Entry // uploaded, not yet in a segment
	failed   error
	done     int
	damaged  int
	changed  int // removed or re-encoded while the lock was released
	bytes    int64
	recorded int
}

func newPusher(s *Store, r *remote.Remote, cat *remote.Catalogue, progress func(int, int)) *pusher {
	p := &pusher{s: s, r: r, cat: cat, progress: progress, have: make(map[string]remote.Sum, len(cat.Entries))}
	for _, e := range cat.Entries {
		p.have[e.Key()] = e.SHA256
	}
	return p
}

// present says the remote has b, or removed it (clean --remote): either
// way it does not go up.
func (p *pusher) present(b Backup) bool {
	k := entryKey(b.Host, b)
	_, ok := p.have[k]
	return ok || p.cat.Removed[k]
}

func (p *pusher) start(ctx context.Context) {
	ctx, p.cancel = context.WithCancel(ctx)
	p.packs = make(chan *remote.Packer, 1)
	for range pushPackers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for pk := range p.packs {
				if ctx.Err() != nil {
					continue
				}
				if err := pk.Put(ctx); err != nil {
					p.fail(err)
					continue
				}
				p.uploaded(pk.Entries()...)
			}
		}()
	}
}

func (p *pusher) fail(err error) {
	p.mu.Lock()
	if p.failed == nil {
		p.failed = err
	}
	p.mu.Unlock()
	p.cancel()
}

func (p *pusher) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

func (p *pusher) uploaded(es ...remote.Entry) {
	p.mu.Lock()
	p.up = append(p.up, es...)
	p.done += len(es)
	for _, e := range es {
		p.bytes += e.Stored
	}
	done := p.done
	p.mu.Unlock()
	if p.progress != nil {
		p.progress(done, p.total)
	}
}

// add packs (or sends alone) one backup.
func (p *pusher) add(ctx context.Context, b Backup) error {
	if p.err() != nil || ctx.Err() != nil {
		return errPushStopped // finish reports why
	}
	e, err := p.s.remoteEntry(b, p.have, p.cat.Removed)
	if err != nil {
		return err
	}
	wholeDelta := b.Compression == index.Delta.String() && e.Encoding != remote.EncodingDelta
	if b.FileSize >= remote.PackTarget() && !wholeDelta {
		sent, err := p.addLone(ctx, b, e)
		if err != nil || sent {
			return err
		}
		return p.packAsItIsNow(ctx, b, e)
	}
	stored, ok, err := p.s.storedBytes(b, &e)
	if err != nil {
		return err
	}
	if !ok {
		return p.packAsItIsNow(ctx, b, e)
	}
	return p.pack(ctx, e, stored)
}

// pack adds a backup's bytes to the pack being filled, and sends the pack
// once it is full.
func (p *pusher) pack(ctx context.Context, e remote.Entry, stored []byte) error {
	if p.packer == nil {
		p.packer = p.r.NewPacker()
	}
	if _, err := p.packer.Add(e, stored); err != nil {
		return err
	}
	p.have[e.Key()] = e.SHA256
	if p.packer.Full() {
		return p.send(ctx)
	}
	return p.maybeSegment(ctx)
}

// packAsItIsNow handles b, which did not read as listed: with the lock
// released, clean or compact may have changed it (asItIsNow); otherwise,
// or when it does not read now either, it is damaged or gone.
func (p *pusher) packAsItIsNow(ctx context.Context, b Backup, e remote.Entry) error {
	if p.s.detached != nil {
		stored, ok, err := p.asItIsNow(b, &e)
		if err != nil {
			return err
		}
		if ok {
			return p.pack(ctx, e, stored)
		}
	}
	p.damagedOne(b)
	return nil
}

// addLone sends a large backup as an object of its own, streamed from
// its file. sent is false when b did not read as listed.
func (p *pusher) addLone(ctx context.Context, b Backup, e remote.Entry) (sent bool, err error) {
	up, ok, err := p.s.uploadLone(ctx, p.r, b, e)
	if err != nil || !ok {
		return false, err
	}
	p.have[e.Key()] = e.SHA256
	p.uploaded(up)
	return true, p.maybeSegment(ctx)
}

// asItIsNow reads b, which did not read as listed while the lock was
// released, as the index has it now (Read looks it up again): compact may
// have re-encoded it, and it then goes whole (zstd), since its new form's
// base is not among those this push listed. ok is false when it is gone
// or damaged (damagedOne tells which).
func (p *pusher) asItIsNow(b Backup, e *remote.Entry) ([]byte, bool, error) {
	data, err := p.s.Read(b)
	switch {
	case errors.Is(err, errRemovedMeanwhile), IsIntegrity(err):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	e.Encoding, e.Base, e.BaseCreated, e.BaseSHA256 = remote.EncodingZstd, "", time.Time{}, remote.Sum{}
	return blob.Compress(data), true, nil
}

// damagedOne counts b, which did not read as listed: damaged, or (with
// the lock released) changed by clean or compact meanwhile, which is no
// damage and goes up at the next push.
func (p *pusher) damagedOne(b Backup) {
	if p.s.changedMeanwhile(b) {
		p.mu.Lock()
		p.changed++
		p.mu.Unlock()
		return
	}
	p.s.log.Warn("not pushed: backup is damaged", "backup", b.Path)
	p.mu.Lock()
	p.damaged++
	p.mu.Unlock()
}

// send hands the full pack to the uploaders.
func (p *pusher) send(ctx context.Context) error {
	pk := p.packer
	p.packer = nil
	select {
	case p.packs <- pk:
	case <-ctx.Done():
		return errPushStopped
	}
	return p.maybeSegment(ctx)
}

func (p *pusher) maybeSegment(ctx context.Context) error {
	p.mu.Lock()
	n := len(p.up)
	p.mu.Unlock()
	if n < pushSegmentEvery {
		return nil
	}
	return p.segment(ctx, false)
}

// segment records what went up. A delta whose base is neither on the
// remote nor in this segment waits for a later one (its base's pack is
// still on the way); at the end (last) it is left out, and the next push
// sends it again.
func (p *pusher) segment(ctx context.Context, last bool) error {
	p.mu.Lock()
	up := p.up
	p.up = nil
	p.mu.Unlock()
	if len(up) == 0 {
		return nil
	}
	in := make(map[string]bool, len(up))
	for _, e := range up {
		in[e.Key()] = true
	}
	recorded := map[string]bool{}
	for _, e := range p.cat.Entries {
		recorded[e.Key()] = true
	}
	var added, wait []remote.Entry
	for _, e := range up {
		if e.Encoding == remote.EncodingDelta && !in[e.BaseKey()] && !recorded[e.BaseKey()] {
			wait = append(wait, e)
			continue
		}
		added = append(added, e)
	}
	if len(added) > 0 {
		if err := p.r.Append(ctx, p.cat, added, nil); err != nil {
			p.mu.Lock()
			p.up = append(up, p.up...)
			p.mu.Unlock()
			return err
		}
		p.recorded += len(added)
	}
	if !last {
		p.mu.Lock()
		p.up = append(wait, p.up...)
		p.mu.Unlock()
	}
	return nil
}

// finish sends the last pack, waits for the uploads and records what
// went up, even after a failure or an interrupt: the next push resumes
// after it.
func (p *pusher) finish(ctx context.Context) error {
	var err error
	if p.packer != nil && len(p.packer.Entries()) > 0 && p.err() == nil && ctx.Err() == nil {
		if err = p.send(ctx); errors.Is(err, errPushStopped) {
			err = nil
		}
	}
	close(p.packs)
	p.wg.Wait()
	p.cancel()
	if ferr := p.err(); ferr != nil {
		err = errors.Join(err, ferr)
	} else if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), segmentTimeout)
	defer cancel()
	// A first segment may leave deltas waiting for bases that a second
	// one records.
	for range 2 {
		if serr := p.segment(actx, false); serr != nil {
			return errors.Join(err, serr)
		}
	}
	return errors.Join(err, p.segment(actx, true))
}

// remoteEntry describes b for the catalogue, in the form it will be
// sent: as stored, except a delta whose base the remote has removed (or
// holds with other bytes), which goes whole (zstd).
func (s *Store) remoteEntry(b Backup, have map[string]remote.Sum, removed map[string]bool) (remote.Entry, error) {
	parse := index.ParseUnknown
	if b.Parsed != nil {
		parse = index.Unparsable
		if *b.Parsed {
			parse = index.Parsed
		}
	}
	e := remote.Entry{Host: b.Host, Timestamp: b.Timestamp, Created: b.Created,
		OriginalPath: b.OriginalPath, Size: b.OriginalSize, SHA256: b.SHA256, Safety: b.Safety, Parse: uint8(parse)}
	switch b.Compression {
	case index.Zstd.String():
		e.Encoding = remote.EncodingZstd
	case index.Delta.String():
		base, err := s.baseOf(b)
		if errors.Is(err, ErrNotFound) {
			// Damaged: storedBytes finds it so and counts it.
			e.Encoding = remote.EncodingDelta
			e.Base = b.Base
			return e, nil
		}
		if err != nil {
			return e, err
		}
		e.Encoding, e.Base, e.BaseCreated, e.BaseSHA256 = remote.EncodingDelta, b.Base, base.Created, base.SHA256
		k := e.BaseKey()
		if sum, ok := have[k]; removed[k] || (ok && sum != base.SHA256) {
			e.Encoding, e.Base, e.BaseCreated, e.BaseSHA256 = remote.EncodingZstd, "", time.Time{}, remote.Sum{}
		}
	}
	return e, nil
}

// storedBytes reads b, checks it whole (a delta decoded through its
// chain) and returns the bytes to send in e's form; ok false when b is
// damaged.
func (s *Store) storedBytes(b Backup, e *remote.Entry) ([]byte, bool, error) {
	data, p, err := s.checkBackup(b)
	if err != nil || p != nil {
		return nil, false, err
	}
	switch {
	case e.Encoding == remote.EncodingPlain:
		return data, true, nil
	case e.Encoding == remote.EncodingZstd && b.Compression != index.Zstd.String():
		return blob.Compress(data), true, nil // a delta sent whole
	}
	stored, err := s.readLimited(b.Path, b.FileSize)
	if errors.Is(err, ErrInvalid) || (err == nil && int64(len(stored)) != b.FileSize) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if e.Encoding == remote.EncodingDelta {
		// The stored file was checked through checkBackup; its header
		// must still name the base the entry names.
		if h, _, err := blob.ParseDelta(stored); err != nil || h.Base != e.Base {
			return nil, false, nil
		}
	}
	return stored, true, nil
}

// remoteErr makes the remote's integrity failures store integrity
// failures (exit 3) while keeping their own sentinel.
func remoteErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, remote.ErrIntegrity), errors.Is(err, remote.ErrPassphrase), errors.Is(err, remote.ErrNewer):
		return fmt.Errorf("%w (%w)", err, ErrIntegrity)
	}
	return err
}
