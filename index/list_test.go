package index

import (
	"bytes"
	"errors"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// listFixture: three hosts; vscode and cursor share the instant t0+60s,
// all three share t0+120s.
func listFixture(t *testing.T) *DB {
	db := newIndex(t)
	at := func(host string, secs ...int) (rs []Record) {
		for _, s := range secs {
			rs = append(rs, rec(host, t0.Add(time.Duration(s)*time.Second)))
		}
		return rs
	}
	mustPut(t, db, at("vscode", 0, 60, 120, 300)...)
	mustPut(t, db, at("cursor", 30, 60, 120)...)
	mustPut(t, db, at("codex", 120, 240)...)
	return db
}

func TestList(t *testing.T) {
	db := listFixture(t)
	sec := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	us := time.Microsecond
	all := []string{"vscode@300000000", "codex@240000000",
		"vscode@120000000", "cursor@120000000", "codex@120000000",
		"vscode@60000000", "cursor@60000000", "cursor@30000000", "vscode@0"}
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all hosts", Query{}, all},
		{"one host", Query{Hosts: []string{"cursor"}}, []string{"cursor@120000000", "cursor@60000000", "cursor@30000000"}},
		{"several hosts merge", Query{Hosts: []string{"cursor", "codex", "vscode"}}, all},
		{"host order does not matter", Query{Hosts: []string{"vscode", "codex", "cursor"}}, all},
		{"two hosts", Query{Hosts: []string{"codex", "cursor"}},
			[]string{"codex@240000000", "cursor@120000000", "codex@120000000", "cursor@60000000", "cursor@30000000"}},
		{"host twice", Query{Hosts: []string{"codex", "codex"}}, []string{"codex@240000000", "codex@120000000"}},
		{"unknown host", Query{Hosts: []string{"kiro"}}, nil},
		{"unknown and known", Query{Hosts: []string{"kiro", "codex", ""}}, []string{"codex@240000000", "codex@120000000"}},
		{"since inclusive", Query{Since: sec(120)}, all[:5]},
		{"since 1µs later", Query{Since: sec(120).Add(us)}, all[:2]},
		{"until inclusive", Query{Until: sec(60)}, all[5:]},
		{"until 1µs earlier", Query{Until: sec(60).Add(-us)}, all[7:]},
		{"since = until", Query{Since: sec(120), Until: sec(120)}, all[2:5]},
		{"since = until, one host", Query{Hosts: []string{"cursor"}, Since: sec(120), Until: sec(120)}, []string{"cursor@120000000"}},
		{"nanoseconds dropped", Query{Since: sec(120).Add(999), Until: sec(120).Add(999)}, all[2:5]},
		{"range, hosts", Query{Hosts: []string{"vscode", "cursor"}, Since: sec(30), Until: sec(120)},
			[]string{"vscode@120000000", "cursor@120000000", "vscode@60000000", "cursor@60000000", "cursor@30000000"}},
		{"since after until", Query{Since: sec(200), Until: sec(100)}, nil},
		{"empty range", Query{Since: sec(121), Until: sec(239)}, nil},
		{"before everything", Query{Until: sec(-1)}, nil},
		{"after everything", Query{Since: sec(301)}, nil},
		{"until before 1970", Query{Until: time.Unix(-5, 0)}, nil},
		{"since before 1970", Query{Since: time.Unix(-5, 0), Until: sec(0)}, all[8:]},
		{"limit", Query{Limit: 3}, all[:3]},
		{"limit, hosts", Query{Hosts: []string{"codex", "cursor"}, Limit: 2}, []string{"codex@240000000", "cursor@120000000"}},
		{"limit, range", Query{Since: sec(60), Limit: 4}, all[:4]},
		{"limit above count", Query{Limit: 100}, all},
		{"negative limit", Query{Limit: -1}, all},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := collect(t, db, c.q); !slices.Equal(got, c.want) {
				t.Errorf("List(%+v)\n got %v\nwant %v", c.q, got, c.want)
			}
		})
	}
}

func TestListEmptyIndex(t *testing.T) {
	db := newIndex(t)
	for _, q := range []Query{{}, {Hosts: []string{"vscode"}}, {Since: t0, Until: t0}} {
		if got := collect(t, db, q); len(got) != 0 {
			t.Errorf("List(%+v) = %v", q, got)
		}
	}
}

func TestListStopsOnError(t *testing.T) {
	db := listFixture(t)
	stop := errors.New("enough")
	for _, q := range []Query{{}, {Hosts: []string{"vscode", "cursor"}}, {Hosts: []string{"vscode"}}} {
		calls := 0
		err := db.List(q, func(Record) error {
			calls++
			if calls == 2 {
				return stop
			}
			return nil
		})
		if err != stop {
			t.Errorf("List(%+v) = %v, want the callback's error unchanged", q, err)
		}
		if calls != 2 {
			t.Errorf("List(%+v) called fn %d times after it failed", q, calls)
		}
	}
}

func TestListPanicIsNotDamage(t *testing.T) {
	db := listFixture(t)
	defer func() {
		if r := recover(); r != "callback bug" {
			t.Errorf("recovered %v, want the callback's panic", r)
		}
		if _, err := db.Latest("vscode"); err != nil {
			t.Errorf("index unusable after the panic: %v", err)
		}
	}()
	db.List(Query{}, func(Record) error { panic("callback bug") })
}

// TestListCatchesDanglingPath: a record whose path id no longer resolves
// fails the listing (all hosts and its own) with ErrCorrupt.
func TestListCatchesDanglingPath(t *testing.T) {
	db := listFixture(t)
	path := []byte(rec("codex", t0).OriginalPath)
	var id, saved []byte
	db.bolt.Update(func(tx *bolt.Tx) error {
		paths := tx.Bucket([]byte(BucketPaths))
		id = bytes.Clone(paths.Get(path))
		saved = bytes.Clone(paths.Get(id))
		return paths.Delete(id)
	})
	for _, q := range []Query{{}, {Hosts: []string{"codex"}}, {Hosts: []string{"cursor", "codex"}}} {
		wantErr(t, db.List(q, func(Record) error { return nil }), ErrCorrupt)
	}
	_, err := db.Latest("codex")
	wantErr(t, err, ErrCorrupt)
	wantErr(t, db.Check(), ErrCorrupt)
	if got := collect(t, db, Query{Hosts: []string{"vscode"}}); len(got) != 4 {
		t.Errorf("the other hosts list %v", got)
	}
	db.bolt.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(BucketPaths)).Put(id, saved) })
}
