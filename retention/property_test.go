package retention_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the random retention tests (0: from the clock)")

// rng returns a seeded generator and prints the seed if the test fails.
func rng(t *testing.T) *rand.Rand {
	t.Helper()
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random inputs from seed %d: rerun with -seed %d", seed, seed)
		}
	})
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

var propHosts = []string{"claude-desktop", "cursor", "vscode", "zed"}

// randomCase draws items spread over 15 months around now (some in the
// future), sometimes on a coarse grid so that instants tie, some exactly on the
// age boundary or a microsecond either side, and a random valid policy.
func randomCase(t *testing.T, r *rand.Rand) ([]retention.Item, retention.Policy, time.Time, *time.Location) {
	locs := []*time.Location{time.UTC, zone(t, "America/New_York"), zone(t, "Europe/Berlin"), zone(t, "America/Santiago")}
	loc := locs[r.IntN(len(locs))]
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Int64N(int64(day(800)))))
	grain := []time.Duration{time.Microsecond, time.Hour, day(1), 7 * day(1)}[r.IntN(4)]
	var p retention.Policy
	for p.OlderThanDays == nil && p.KeepCount == nil {
		if r.IntN(2) == 0 {
			p.OlderThanDays = ip(r.IntN(120))
		}
		if r.IntN(2) == 0 {
			p.KeepCount = ip(r.IntN(12))
		}
	}
	p.KeepDaily, p.KeepWeekly, p.KeepMonthly = maybe(r, 10), maybe(r, 8), maybe(r, 14)
	n := r.IntN(60)
	items := make([]retention.Item, n)
	for i := range items {
		offset := time.Duration(r.Int64N(int64(day(450)))) - day(3)
		items[i] = retention.Item{
			ID:         fmt.Sprintf("id%03d", r.IntN(1000)) + fmt.Sprint(i), // unique, not in time order
			Host:       propHosts[r.IntN(len(propHosts))],
			Created:    now.Add(-offset).Truncate(grain).In(locs[r.IntN(len(locs))]),
			Unparsable: r.IntN(3) == 0,
		}
		if p.OlderThanDays != nil && r.IntN(6) == 0 { // on the age boundary
			items[i].Created = now.Add(-day(*p.OlderThanDays) + time.Duration(r.IntN(3)-1)*time.Microsecond)
		}
	}
	return items, p, now, loc
}

func maybe(r *rand.Rand, n int) int {
	if r.IntN(2) == 0 {
		return 0
	}
	return r.IntN(n)
}

// TestProperties checks, for random items and policies: exactly one
// decision per item, agreement with a naive reading of the rules, the
// newest and the newest parsing backup of every host kept, order, input
// order not mattering, and hosts not affecting each other.
func TestProperties(t *testing.T) {
	r := rng(t)
	for round := range 400 {
		items, p, now, loc := randomCase(t, r)
		ds, err := retention.Decide(items, p, now, loc)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		ctx := fmt.Sprintf("round %d (policy %s, now %v, loc %v)", round, show(p), now, loc)
		checkOnePerItem(t, ctx, items, ds)
		checkOracle(t, ctx, items, p, now, loc, ds)
		checkNewestKept(t, ctx, items, ds)
		checkOrder(t, ctx, ds)
		checkShuffle(t, ctx, r, items, p, now, loc, ds)
		checkHostsAlone(t, ctx, r, items, p, now, loc, ds)
		if t.Failed() {
			return
		}
	}
}

func show(p retention.Policy) string {
	s := ""
	if p.OlderThanDays != nil {
		s += fmt.Sprintf("older-than-days %d ", *p.OlderThanDays)
	}
	if p.KeepCount != nil {
		s += fmt.Sprintf("keep-count %d ", *p.KeepCount)
	}
	return s + fmt.Sprintf("daily %d weekly %d monthly %d", p.KeepDaily, p.KeepWeekly, p.KeepMonthly)
}

func checkOnePerItem(t *testing.T, ctx string, items []retention.Item, ds []retention.Decision) {
	t.Helper()
	if len(ds) != len(items) {
		t.Errorf("%s: %d decisions for %d items", ctx, len(ds), len(items))
		return
	}
	seen := map[string]int{}
	for _, d := range ds {
		seen[d.ID]++
		if d.Reason == "" {
			t.Errorf("%s: %s has no reason", ctx, d.ID)
		}
	}
	for _, it := range items {
		if seen[it.ID] != 1 {
			t.Errorf("%s: %s has %d decisions", ctx, it.ID, seen[it.ID])
		}
	}
}

// newer is the documented total order, written out independently.
func newer(a, b retention.Item) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	if a.ID != b.ID {
		return a.ID > b.ID
	}
	return a.Unparsable && !b.Unparsable
}

// oracleKeep is the naive, quadratic reading of CLI.md's rules.
func oracleKeep(x retention.Item, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location) bool {
	var rank int
	newestParses, newestOfDay, newestOfWeek, newestOfMonth := !x.Unparsable, true, true, true
	lx := x.Created.In(loc)
	xwy, xww := lx.ISOWeek()
	for _, y := range items {
		if y.Host != x.Host || !newer(y, x) {
			continue
		}
		rank++
		ly := y.Created.In(loc)
		if !y.Unparsable {
			newestParses = false
		}
		if ly.Format("2006-01-02") == lx.Format("2006-01-02") {
			newestOfDay = false
		}
		if wy, ww := ly.ISOWeek(); wy == xwy && ww == xww {
			newestOfWeek = false
		}
		if ly.Format("2006-01") == lx.Format("2006-01") {
			newestOfMonth = false
		}
	}
	older := p.OlderThanDays != nil && now.Sub(x.Created) > time.Duration(*p.OlderThanDays)*24*time.Hour
	outside := p.KeepCount != nil && rank >= *p.KeepCount
	if !older && !outside || rank == 0 || newestParses {
		return true
	}
	ln := now.In(loc)
	today := time.Date(ln.Year(), ln.Month(), ln.Day(), 12, 0, 0, 0, time.UTC)
	for i := range p.KeepDaily {
		if newestOfDay && today.AddDate(0, 0, -i).Format("2006-01-02") == lx.Format("2006-01-02") {
			return true
		}
	}
	for i := range p.KeepWeekly {
		if wy, ww := today.AddDate(0, 0, -7*i).ISOWeek(); newestOfWeek && wy == xwy && ww == xww {
			return true
		}
	}
	for i := range p.KeepMonthly {
		m := time.Date(ln.Year(), ln.Month()-time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		if newestOfMonth && m.Format("2006-01") == lx.Format("2006-01") {
			return true
		}
	}
	return false
}

func checkOracle(t *testing.T, ctx string, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location, ds []retention.Decision) {
	t.Helper()
	for _, d := range ds {
		if want := oracleKeep(d.Item, items, p, now, loc); d.Keep != want {
			t.Errorf("%s: %s/%s created %v (unparsable %v): keep %v (%s), the rules say %v",
				ctx, d.Host, d.ID, d.Created.In(loc), d.Unparsable, d.Keep, d.Reason, want)
		}
	}
}

func checkNewestKept(t *testing.T, ctx string, items []retention.Item, ds []retention.Decision) {
	t.Helper()
	keep := map[string]bool{}
	for _, d := range ds {
		keep[d.ID] = d.Keep
	}
	newest, parses := map[string]retention.Item{}, map[string]retention.Item{}
	for _, it := range items {
		if n, ok := newest[it.Host]; !ok || newer(it, n) {
			newest[it.Host] = it
		}
		if n, ok := parses[it.Host]; !it.Unparsable && (!ok || newer(it, n)) {
			parses[it.Host] = it
		}
	}
	for h, it := range newest {
		if !keep[it.ID] {
			t.Errorf("%s: newest of %s (%s) removed", ctx, h, it.ID)
		}
	}
	for h, it := range parses {
		if !keep[it.ID] {
			t.Errorf("%s: newest parsing backup of %s (%s) removed", ctx, h, it.ID)
		}
	}
}

func checkOrder(t *testing.T, ctx string, ds []retention.Decision) {
	t.Helper()
	for i := 1; i < len(ds); i++ {
		a, b := ds[i-1], ds[i]
		if a.Host > b.Host || a.Host == b.Host && !newer(a.Item, b.Item) {
			t.Errorf("%s: %s/%s before %s/%s", ctx, a.Host, a.ID, b.Host, b.ID)
		}
	}
}

func checkShuffle(t *testing.T, ctx string, r *rand.Rand, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location, want []retention.Decision) {
	t.Helper()
	shuffled := slices.Clone(items)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	got, err := retention.Decide(shuffled, p, now, loc)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s: decisions depend on input order (err %v)", ctx, err)
	}
}

// checkHostsAlone drops one host's backups and adds another host's: no
// other host's decision may change.
func checkHostsAlone(t *testing.T, ctx string, r *rand.Rand, items []retention.Item, p retention.Policy, now time.Time, loc *time.Location, want []retention.Decision) {
	t.Helper()
	drop := propHosts[r.IntN(len(propHosts))]
	var changed []retention.Item
	for _, it := range items {
		if it.Host != drop {
			changed = append(changed, it)
		}
	}
	for i := range r.IntN(30) {
		changed = append(changed, retention.Item{
			ID: fmt.Sprint("intruder", i), Host: "intruder",
			Created:    now.Add(time.Duration(r.Int64N(int64(day(400)))) - day(390)),
			Unparsable: r.IntN(2) == 0,
		})
	}
	got, err := retention.Decide(changed, p, now, loc)
	if err != nil {
		t.Fatalf("%s: %v", ctx, err)
	}
	keepOnly := func(ds []retention.Decision, skip string) []retention.Decision {
		return slices.DeleteFunc(slices.Clone(ds), func(d retention.Decision) bool { return d.Host == skip || d.Host == "intruder" })
	}
	if !reflect.DeepEqual(keepOnly(got, drop), keepOnly(want, drop)) {
		t.Errorf("%s: dropping %s and adding intruder changed other hosts' decisions", ctx, drop)
	}
}
