package migrations_test

import (
	"bytes"
	"maps"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/migrations"
	"github.com/hatch-backup/hatch-backup/store"
)

// TestFoldersMigration: the schema-4 fixture gains the folders bucket,
// empty (every folder's state unknown), and no record changes.
func TestFoldersMigration(t *testing.T) {
	root := copyFixture(t, "schema4")
	path := filepath.Join(root, store.IndexFile)
	raw := recordValues(t, path)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(db); err != nil {
		t.Fatal(err)
	}
	states, err := db.FolderStates()
	if err != nil || len(states) != 0 {
		t.Fatalf("states after migration: %v %v", states, err)
	}
	db.Close()
	if after := recordValues(t, path); !maps.EqualFunc(after, raw, bytes.Equal) {
		t.Fatal("the migration rewrote records")
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte(index.BucketFolders)) == nil {
			t.Error("no folders bucket")
		}
		return nil
	})
}
