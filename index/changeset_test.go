package index

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestChangeSetsNewestFirst(t *testing.T) {
	db, err := Create(filepath.Join(t.TempDir(), "index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.PutChangeSet(ChangeSet{}); err == nil {
		t.Fatal("PutChangeSet without the bucket succeeded")
	}
	if err := db.Upgrade(1, func(tx *bolt.Tx) error { return CreateChangeSets(tx) }); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 3 {
		id, err := db.PutChangeSet(ChangeSet{Command: []string{"cmd", string(rune('a' + i))}, Start: start,
			Hosts: []HostChange{{Host: "cursor", Path: "/p", After: &ConfigState{Timestamp: "t", SHA256: [32]byte{byte(i)}}}}})
		if err != nil || id != uint64(i+1) {
			t.Fatalf("put %d: id %d, %v", i, id, err)
		}
	}
	// Update in place: same id.
	if id, err := db.PutChangeSet(ChangeSet{ID: 2, Command: []string{"cmd", "B"}, Complete: true}); err != nil || id != 2 {
		t.Fatalf("update: %d, %v", id, err)
	}
	var got []ChangeSet
	if err := db.ChangeSets(func(cs ChangeSet) bool { got = append(got, cs); return true }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != 3 || got[1].ID != 2 || got[2].ID != 1 {
		t.Fatalf("order %+v", got)
	}
	if got[1].Command[1] != "B" || !got[1].Complete || got[0].Hosts[0].After.SHA256[0] != 2 || !got[2].Start.Equal(start) {
		t.Errorf("round trip lost fields: %+v", got)
	}
}
