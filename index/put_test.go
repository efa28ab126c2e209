package index

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

func TestPutLatestGetDelete(t *testing.T) {
	db := newIndex(t)
	a1, a2 := rec("vscode", t0), rec("vscode", t0.Add(time.Hour))
	b1 := rec("cursor", t0.Add(30*time.Minute))
	mustPut(t, db, a2, b1)
	if err := db.Put(a1); err != nil { // older than the host's latest: order is by Created
		t.Fatal(err)
	}
	latest := []struct {
		host string
		want Record
		err  error
	}{
		{"vscode", a2, nil},
		{"cursor", b1, nil},
		{"codex", Record{}, ErrNotFound},
		{"", Record{}, ErrNotFound},
	}
	for _, c := range latest {
		t.Run("Latest "+c.host, func(t *testing.T) {
			got, err := db.Latest(c.host)
			if !errors.Is(err, c.err) || c.err == nil && !equalRecords(got, c.want) {
				t.Errorf("Latest(%q) = %+v, %v; want %+v, %v", c.host, got, err, c.want, c.err)
			}
		})
	}
	for _, r := range []Record{a1, a2, b1} {
		got, err := db.Get(r.Host, r.Timestamp, r.Created)
		if err != nil || !equalRecords(got, r) {
			t.Errorf("Get(%s, %s) = %+v, %v", r.Host, r.Timestamp, got, err)
		}
	}
	if err := db.Delete("vscode", a2.Created); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Latest("vscode"); err != nil || !equalRecords(got, a1) {
		t.Errorf("Latest after Delete = %+v, %v; want %+v", got, err, a1)
	}
	wantErr(t, db.Delete("vscode", a2.Created), ErrNotFound)
	_, err := db.Get("vscode", a2.Timestamp, a2.Created)
	wantErr(t, err, ErrNotFound)
	if err := db.Delete("cursor", b1.Created); err != nil {
		t.Fatal(err)
	}
	_, err = db.Latest("cursor")
	wantErr(t, err, ErrNotFound)
	if n, err := db.Count(); n != 1 || err != nil {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
}

func TestPutExists(t *testing.T) {
	db := newIndex(t)
	r := rec("vscode", t0)
	mustPut(t, db, r)
	other := rec("vscode", t0)
	other.StoredSize = 1
	cases := map[string][]Record{
		"same key":         {other},
		"same microsecond": {rec("vscode", t0.Add(999*time.Nanosecond))},
		"taken in a batch": {rec("vscode", t0.Add(time.Second)), other},
		"twice in a batch": {rec("vscode", t0.Add(time.Hour)), rec("vscode", t0.Add(time.Hour))},
	}
	for name, rs := range cases {
		t.Run(name, func(t *testing.T) {
			wantErr(t, db.PutMany(rs), ErrExists)
			if n, _ := db.Count(); n != 1 {
				t.Errorf("Count = %d after a refused batch, want 1", n)
			}
		})
	}
	// Another host may use the same instant.
	mustPut(t, db, rec("cursor", t0))
	got, _ := db.Latest("vscode")
	if !equalRecords(got, r) {
		t.Errorf("the refused Put changed the record: %+v", got)
	}
}

func TestPutRejectsInvalid(t *testing.T) {
	db := newIndex(t)
	bad := rec("vscode", t0)
	bad.File = "cursor/x"
	wantErr(t, db.PutMany([]Record{rec("vscode", t0), bad}), ErrInvalidRecord)
	if n, _ := db.Count(); n != 0 {
		t.Errorf("Count = %d, want 0", n)
	}
}

func TestPutTruncatesToMicroseconds(t *testing.T) {
	db := newIndex(t)
	r := rec("vscode", t0)
	r.Created = r.Created.Add(789 * time.Nanosecond).In(time.FixedZone("x", 3600))
	mustPut(t, db, r)
	got, err := db.Latest("vscode")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(t0) || got.Created.Location() != time.UTC {
		t.Errorf("Created = %s, want %s in UTC", got.Created, t0)
	}
	if err := db.Delete("vscode", r.Created); err != nil {
		t.Errorf("Delete at the nanosecond instant: %v", err)
	}
}

// TestListFollowsPutsAndDeletes puts and deletes at random and checks the
// index (assertConsistent and Check) after each step.
func TestListFollowsPutsAndDeletes(t *testing.T) {
	db := newIndex(t)
	rng := rand.New(rand.NewPCG(1, 2))
	hosts := []string{"vscode", "cursor", "codex", "kiro"}
	live := map[string]Record{}
	for step := range 400 {
		r := rec(hosts[rng.IntN(len(hosts))], t0.Add(time.Duration(rng.IntN(50))*time.Second))
		k := label(r)
		if _, ok := live[k]; ok {
			if err := db.Delete(r.Host, r.Created); err != nil {
				t.Fatalf("step %d: Delete %s: %v", step, k, err)
			}
			delete(live, k)
		} else {
			mustPut(t, db, r)
			live[k] = r
		}
		if step%50 == 0 {
			assertConsistent(t, db)
		}
	}
	if got := collect(t, db, Query{}); len(got) != len(live) {
		t.Errorf("List found %d records, want %d", len(got), len(live))
	}
	if n, _ := db.Count(); n != len(live) {
		t.Errorf("Count = %d, want %d", n, len(live))
	}
}

func TestGet(t *testing.T) {
	db := newIndex(t)
	r := rec("vscode", t0)
	// A backup whose name's timestamp is far from its instant (an adopted
	// file, a clock that was wrong): only the widened search finds it.
	far := rec("vscode", t0.Add(-400*24*time.Hour))
	far.Timestamp = "20250101_000000_000000"
	far.File = "vscode/" + canonicalName("vscode", far.Timestamp, None)
	odd := rec("vscode", t0.Add(time.Minute))
	odd.Timestamp = "2025-09-21T16:31:00"
	odd.File = "vscode/" + canonicalName("vscode", odd.Timestamp, None)
	filler := make([]Record, 0, 100)
	for i := range 100 {
		filler = append(filler, rec("vscode", t0.Add(time.Duration(i-50)*time.Hour)))
	}
	mustPut(t, db, append(filler, far, odd)...)
	nearOf := func(ts string) time.Time {
		wall, _ := parseStamp(ts)
		return time.UnixMicro(wall) // read as if local time were UTC
	}
	cases := []struct {
		name     string
		host, ts string
		near     time.Time
		want     *Record
		wantErr  error
	}{
		{"in window", "vscode", r.Timestamp, nearOf(r.Timestamp), &r, nil},
		{"near off by a day", "vscode", r.Timestamp, nearOf(r.Timestamp).Add(-25 * time.Hour), &r, nil},
		{"far from near", "vscode", far.Timestamp, nearOf(far.Timestamp), &far, nil},
		{"zero near", "vscode", far.Timestamp, time.Time{}, &far, nil},
		{"not in the usual form", "vscode", odd.Timestamp, time.Time{}, &odd, nil},
		{"unknown timestamp", "vscode", "20250921_000000_000001", nearOf("20250921_000000_000001"), nil, ErrNotFound},
		{"other host", "cursor", r.Timestamp, nearOf(r.Timestamp), nil, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.Get(c.host, c.ts, c.near)
			if c.want == nil {
				wantErr(t, err, c.wantErr)
				return
			}
			if err != nil || !equalRecords(got, *c.want) {
				t.Errorf("Get = %+v, %v; want %+v", got, err, *c.want)
			}
		})
	}
}
