package migrations_test

import (
	"context"
	"testing"

	"github.com/hatch-backup/hatch-backup/store"
)

// TestSchema4GetsChangeSets: a schema-4 store (the checked-in fixture)
// opened by this code gains the change-set bucket: guard records into it,
// runs reads it back, and every old backup stays as it was.
func TestSchema4GetsChangeSets(t *testing.T) {
	root := copyFixture(t, "schema4")
	s := openStore(t, root, false)
	defer s.Close()
	before := len(listAll(t, s))
	ctx := context.Background()
	if _, err := s.LastChangeSet(ctx); err == nil {
		t.Fatal("a migrated schema-4 store has a change set")
	}
	cs, err := s.Guard(ctx, []string{"cursor"}, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	last, err := s.LastChangeSet(ctx)
	if err != nil || last.ID != cs.ID || !last.Complete {
		t.Fatalf("last change set %+v, %v; want id %d complete", last, err, cs.ID)
	}
	if got := len(listAll(t, s)); got != before {
		t.Errorf("%d backups after migration, want %d", got, before)
	}
}

// TestReadOnlyOpenOfSchema4 lists change sets of an unmigrated store
// without failing: a reader migrates (as a writer) first.
func TestReadOnlyOpenOfSchema4(t *testing.T) {
	root := copyFixture(t, "schema4")
	s := openStore(t, root, true)
	defer s.Close()
	n := 0
	if err := s.ChangeSets(context.Background(), func(store.ChangeSet) bool { n++; return true }); err != nil || n != 0 {
		t.Fatalf("ChangeSets = %d, %v", n, err)
	}
}
