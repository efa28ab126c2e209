package retention_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hatch-backup/hatch-backup/retention"
)

func TestEmptyInput(t *testing.T) {
	for _, items := range [][]retention.Item{nil, {}} {
		ds, err := retention.Decide(items, retention.Policy{KeepCount: ip(0)}, now, time.UTC)
		if err != nil || len(ds) != 0 {
			t.Errorf("Decide(%v) = %v, %v; want no decisions, no error", items, ds, err)
		}
	}
}

// TestOrder: host ascending, then newest first; equal instants by ID, the
// greater ID first (it counts as the newer), then the unparsable one first.
func TestOrder(t *testing.T) {
	ny := zone(t, "America/New_York")
	items := []retention.Item{
		{ID: "v-old", Host: "vscode", Created: now.Add(-day(3))},
		{ID: "c-mid", Host: "cursor", Created: now.Add(-day(2))},
		{ID: "c-b", Host: "cursor", Created: now.Add(-day(1))},
		{ID: "v-new", Host: "vscode", Created: now.Add(-time.Hour)},
		{ID: "c-a", Host: "cursor", Created: now.Add(-day(1)).In(ny)}, // same instant as c-b
		{ID: "c-x", Host: "cursor", Created: now.Add(-day(1)), Unparsable: true},
		{ID: "c-x", Host: "cursor", Created: now.Add(-day(1))},
		{ID: "a-1", Host: "augment", Created: now.Add(-day(9))},
	}
	ds, err := retention.Decide(items, retention.Policy{KeepCount: ip(2)}, now, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		s := d.Host + "/" + d.ID
		if d.Unparsable {
			s += "!"
		}
		got = append(got, s+" "+verdict(d))
	}
	// The unparsable c-x and the parsing c-x are the 2 newest of cursor, so
	// c-b and c-a, at the same instant, are candidates without protection.
	want := []string{
		"augment/a-1 keep: one of the 2 newest",
		"cursor/c-x! keep: one of the 2 newest",
		"cursor/c-x keep: one of the 2 newest",
		"cursor/c-b remove: not among the 2 newest",
		"cursor/c-a remove: not among the 2 newest",
		"cursor/c-mid remove: not among the 2 newest",
		"vscode/v-new keep: one of the 2 newest",
		"vscode/v-old keep: one of the 2 newest",
	}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	if ds[4].ID != "c-a" || ds[4].Created.Location() != ny {
		t.Errorf("a decision's item must be the caller's item, location and all")
	}
}

// TestTieByID: among equal instants, the greater ID is the newer one, for
// "newest of host" and keep-count alike, whatever the input order.
func TestTieByID(t *testing.T) {
	items := []retention.Item{it("b", now), it("c", now), it("a", now)}
	want := map[string]string{
		"c": "keep: newest of cursor",
		"b": "remove: keep-count 0",
		"a": "remove: keep-count 0",
	}
	for _, perm := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		in := []retention.Item{items[perm[0]], items[perm[1]], items[perm[2]]}
		check(t, in, retention.Policy{KeepCount: ip(0)}, now, time.UTC, want)
	}
	check(t, items, retention.Policy{KeepCount: ip(2)}, now, time.UTC, map[string]string{
		"c": "keep: one of the 2 newest",
		"b": "keep: one of the 2 newest",
		"a": "remove: not among the 2 newest",
	})
}

// TestHostsJudgedAlone: a host with many newer backups does not push
// another host's backups out of the count, nor take its newest.
func TestHostsJudgedAlone(t *testing.T) {
	var items []retention.Item
	for i := range 10 {
		items = append(items, retention.Item{ID: "busy" + itoa(i), Host: "vscode", Created: now.Add(-time.Duration(i) * time.Minute)})
	}
	items = append(items,
		retention.Item{ID: "quiet-new", Host: "cursor", Created: now.Add(-day(400))},
		retention.Item{ID: "quiet-old", Host: "cursor", Created: now.Add(-day(500))},
	)
	got := verdicts(t, items, retention.Policy{KeepCount: ip(2), KeepDaily: 1}, now, time.UTC)
	if got["quiet-new"] != "keep: one of the 2 newest" || got["quiet-old"] != "keep: one of the 2 newest" {
		t.Errorf("cursor judged with vscode: %q, %q", got["quiet-new"], got["quiet-old"])
	}
	if got["busy2"] != "remove: not among the 2 newest" {
		t.Errorf("busy2: %q", got["busy2"])
	}
}

func TestDecideLeavesInputAlone(t *testing.T) {
	items := []retention.Item{it("b", now.Add(-day(2))), it("a", now.Add(-day(1))), it("c", now.Add(-day(3)))}
	before := slices.Clone(items)
	if _, err := retention.Decide(items, retention.Policy{KeepCount: ip(1)}, now, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(items, before) {
		t.Errorf("Decide reordered or changed its input: %v", items)
	}
}
