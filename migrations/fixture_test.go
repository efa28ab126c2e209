package migrations_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/migrations"
	"github.com/hatch-backup/hatch-backup/store"
)

// The fixtures under testdata/ are stores written by older code, checked
// in so that every later schema must still open them:
//
//   - schema0: an index file as a program without layout left it (bbolt,
//     no buckets, no schema version), beside no backups.
//   - schema1: an index at schema 1 with a plain backup of cursor and a
//     zstd backup of vscode, and their files.
//   - schema2: an index at schema 2 (records of version 2, a time bucket)
//     with backups of three hosts: cursor three times from one config
//     (one unparsable), vscode compressed, claude-desktop adopted from a
//     Python Hatch file (raw name, no original path) and a legacy
//     "MCPHostType" name; schema2.records.json is what that code listed.
//   - schema3: an index at schema 3 (records of version 3, a paths bucket)
//     with cursor backed up, vscode compressed, and the safety backup a
//     restore of cursor took of a broken config, unmarked (schema 3 had no
//     mark).
//
// go test ./migrations -run TestFixtures -update writes the fixtures that
// do not exist yet, each only with the code of its schema (the generators
// below stay as the record of how they were made). Never rewrite one to
// make a test pass.
var update = flag.Bool("update", false, "write missing old-schema fixtures under testdata/")

// fixtureConfig is the config every fixture backup holds.
var fixtureConfig = []byte(`{"mcpServers": {"fixture": {"command": "npx", "args": ["-y", "fixture-server"]}}}` + "\n")

// copyFixture copies testdata/<name> to a new root with the modes the
// store gives its files (git keeps neither 0700 nor 0600).
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("testdata", name)
	root := filepath.Join(t.TempDir(), "backups")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, store.DirMode)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, store.FileMode)
	})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func openStore(t *testing.T, root string, readOnly bool) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Options{Root: root, UpgradingReader: readOnly, LockTimeout: 5 * time.Second, Location: time.UTC})
	if err != nil {
		t.Fatalf("open %s: %v", root, err)
	}
	return s
}

func listAll(t *testing.T, s *store.Store) []store.Backup {
	t.Helper()
	var out []store.Backup
	for b, err := range s.List(context.Background(), store.Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestFixtures opens each old-schema store with the current code: it is
// migrated, lists, restores byte-exactly, takes new backups and verifies
// clean.
func TestFixtures(t *testing.T) {
	if *update {
		writeFixtures(t)
	}
	for _, c := range []struct {
		name    string
		backups []string // timestamps, newest first
	}{
		{"schema0", nil},
		{"schema1", []string{"20250102_030405_000002", "20250102_030405_000001"}},
		{"schema2", []string{"20250304_051037_000001", "20250304_050907_000001", "20250304_050737_000001",
			"20250304_050607_000001", "20240102_120000_000000", "20240101_120000_000000"}},
		{"schema3", []string{fixture3Safety, fixture3VSCode, fixture3Restored}},
		{"schema4", []string{fixture4Safety, fixture4VSCode, fixture4Restored}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := copyFixture(t, c.name)
			s := openStore(t, root, false) // a writer migrates
			defer s.Close()
			got := listAll(t, s)
			if len(got) != len(c.backups) {
				t.Fatalf("%d backups, want %d", len(got), len(c.backups))
			}
			for i, b := range got {
				if b.Timestamp != c.backups[i] {
					t.Errorf("backup %d: %s, want %s", i, b.Timestamp, c.backups[i])
				}
				want := fixtureConfig
				if b.Parsed != nil && !*b.Parsed {
					want = fixture2Unparsable
				}
				if hex.EncodeToString(b.SHA256[:]) != sha(want) {
					t.Errorf("%s: sha256 changed", b.Path)
				}
				to := filepath.Join(t.TempDir(), "restored.json")
				if _, err := s.Restore(context.Background(), store.RestoreOptions{Host: b.Host, Timestamp: b.Timestamp, To: to}); err != nil {
					t.Fatalf("restore %s: %v", b.Timestamp, err)
				}
				if data, _ := os.ReadFile(to); !bytes.Equal(data, want) {
					t.Errorf("%s restored other bytes", b.Timestamp)
				}
			}
			cfg := filepath.Join(t.TempDir(), "mcp.json")
			os.WriteFile(cfg, fixtureConfig, 0o600)
			if _, err := s.Create(context.Background(), store.CreateOptions{Host: "cursor", ConfigPath: cfg}); err != nil {
				t.Fatalf("create after migration: %v", err)
			}
			s.Close()
			checkSchema(t, root)
			r := openStore(t, root, true)
			defer r.Close()
			v, err := r.Verify(context.Background(), store.VerifyOptions{})
			if err != nil || len(v.Problems) > 0 {
				t.Errorf("verify after migration: %v %v", err, v.Problems)
			}
		})
	}
}

// checkSchema: the index is at the latest schema after a writer opened it.
func checkSchema(t *testing.T, root string) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(root, store.IndexFile), 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			t.Fatal("no meta bucket after migration")
		}
		if v := meta.Get([]byte("schema")); len(v) != 4 || v[3] != byte(store.SchemaVersion()) {
			t.Errorf("schema %x after migration, want %d", v, store.SchemaVersion())
		}
		return nil
	})
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// generators make each fixture; schema is the version the code that ran
// it wrote, the only code that may run it.
var generators = []struct {
	name   string
	schema uint32
	write  func(t *testing.T, dir string)
}{
	{"schema0", 0, writeSchema0},
	{"schema1", 1, writeSchema1},
	{"schema2", 2, writeSchema2},
	{"schema3", 3, writeSchema3},
	{"schema4", 4, writeSchema4},
}

// writeFixtures writes the fixtures missing under testdata/.
func writeFixtures(t *testing.T) {
	t.Helper()
	for _, g := range generators {
		dir := filepath.Join("testdata", g.name)
		if _, err := os.Stat(dir); err == nil {
			continue
		}
		if g.schema != 0 && g.schema != store.SchemaVersion() {
			t.Fatalf("fixture %s is missing; only code writing schema %d can make it (this writes %d)",
				g.name, g.schema, store.SchemaVersion())
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		g.write(t, dir)
		os.Remove(filepath.Join(dir, store.LockFile))
	}
}

func writeSchema0(t *testing.T, dir string) {
	db, err := bolt.Open(filepath.Join(dir, store.IndexFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func writeSchema1(t *testing.T, root string) {
	cfg := filepath.Join(t.TempDir(), "mcp.json")
	os.WriteFile(cfg, fixtureConfig, 0o600)
	now := time.Date(2025, 1, 2, 3, 4, 5, 1000, time.UTC)
	for _, c := range []struct {
		host     string
		compress bool
	}{{"cursor", false}, {"vscode", true}} {
		s, err := store.Open(context.Background(), store.Options{Root: root, Location: time.UTC, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(context.Background(), store.CreateOptions{Host: c.host, ConfigPath: cfg, Compress: c.compress}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		now = now.Add(time.Microsecond)
	}
}

// fixture2Unparsable is the config of the schema-2 fixture's unparsable
// backup.
var fixture2Unparsable = []byte(`{"mcpServers": {"broken": ` + "\n")

func writeSchema2(t *testing.T, root string) {
	cfgDir := t.TempDir()
	cursor, vscode := filepath.Join(cfgDir, "cursor-mcp.json"), filepath.Join(cfgDir, "vscode-mcp.json")
	os.WriteFile(vscode, fixtureConfig, 0o600)
	now := time.Date(2025, 3, 4, 5, 6, 7, 1000, time.UTC)
	for _, c := range []struct {
		host     string
		cfg      string
		data     []byte
		compress bool
	}{
		{"cursor", cursor, fixtureConfig, false},
		{"vscode", vscode, fixtureConfig, true},
		{"cursor", cursor, fixture2Unparsable, false},
		{"cursor", cursor, fixtureConfig, false},
	} {
		os.WriteFile(c.cfg, c.data, 0o600)
		s, err := store.Open(context.Background(), store.Options{Root: root, Location: time.UTC, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Create(context.Background(), store.CreateOptions{Host: c.host, ConfigPath: c.cfg, Compress: c.compress}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		now = now.Add(90 * time.Second)
	}
	// Python Hatch's backups, adopted by reindex: raw names, no path.
	os.MkdirAll(filepath.Join(root, "claude-desktop"), 0o700)
	for _, name := range []string{
		"claude_desktop_config.json.claude-desktop.20240101_120000_000000",
		"mcp.json.MCPHostType.CLAUDE_DESKTOP.20240102_120000_000000",
	} {
		os.WriteFile(filepath.Join(root, "claude-desktop", name), fixtureConfig, 0o600)
	}
	if _, err := store.Reindex(context.Background(), store.Options{Root: root, Location: time.UTC}, store.ReindexOptions{}); err != nil {
		t.Fatal(err)
	}
	// What this code lists, field by field, for the test to compare with.
	db, err := index.Open(filepath.Join(root, store.IndexFile), index.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var recs []index.Record
	if err := db.List(index.Query{}, func(r index.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("schema2 fixture has %d records, want 6", len(recs))
	}
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+".records.json", append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordVersions maps each record of the index at path ("host@key") to
// the version byte of its value, and says which buckets exist.
func recordVersions(t *testing.T, path string) (versions map[string]byte, buckets map[string]bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	versions, buckets = map[string]byte{}, map[string]bool{}
	db.View(func(tx *bolt.Tx) error {
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error { buckets[string(name)] = true; return nil })
		hosts := tx.Bucket([]byte(index.BucketHosts))
		return hosts.ForEachBucket(func(host []byte) error {
			return hosts.Bucket(host).ForEach(func(k, v []byte) error {
				versions[string(host)+"@"+hex.EncodeToString(k)] = v[0]
				return nil
			})
		})
	})
	return versions, buckets
}

func listRecords(t *testing.T, db *index.DB) []index.Record {
	t.Helper()
	var out []index.Record
	if err := db.List(index.Query{}, func(r index.Record) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameRecords(t *testing.T, what string, got, want []index.Record) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestSchema2Fixture takes the index the schema-2 code wrote through
// migration 3: its records stay as they were (version 2) and list, get and
// check exactly as that code listed them; new records are version 3; a
// compaction rewrites every record to version 3 and changes nothing else;
// an index of a newer schema is still refused.
func TestSchema2Fixture(t *testing.T) {
	var want []index.Record
	if err := json.Unmarshal(fileBytes(t, filepath.Join("testdata", "schema2.records.json")), &want); err != nil {
		t.Fatal(err)
	}
	root := copyFixture(t, "schema2")
	path := filepath.Join(root, store.IndexFile)
	before, buckets := recordVersions(t, path)
	if len(before) != len(want) || !buckets[index.BucketTime] || buckets[index.BucketPaths] {
		t.Fatalf("the fixture is not what schema 2 wrote: %v %v", before, buckets)
	}
	for k, v := range before {
		if v != 2 {
			t.Fatalf("fixture record %s has version %d", k, v)
		}
	}

	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := migrations.Up(db); err != nil || n != int(migrations.Latest())-2 {
		t.Fatalf("Up = %d, %v; want migrations 3 to %d", n, err, migrations.Latest())
	}
	sameRecords(t, "list after migration 3", listRecords(t, db), want)
	for i, r := range want {
		got, err := db.Get(r.Host, r.Timestamp, r.Created)
		sameRecords(t, "Get "+r.Timestamp, []index.Record{got}, []index.Record{r})
		if err != nil {
			t.Error(err)
		}
		if !slices.ContainsFunc(want[:i], func(o index.Record) bool { return o.Host == r.Host }) { // its newest
			latest, err := db.Latest(r.Host)
			if err != nil {
				t.Error(err)
			}
			sameRecords(t, "Latest "+r.Host, []index.Record{latest}, []index.Record{r})
		}
	}
	if err := db.Check(); err != nil {
		t.Errorf("Check after migration 3: %v", err)
	}
	added := want[0]
	added.Created, added.Timestamp = added.Created.Add(time.Hour), "20250304_061037_000001"
	added.File = "cursor/mcp.json.cursor." + added.Timestamp
	fresh := want[2]
	fresh.Created, fresh.Timestamp, fresh.OriginalPath = fresh.Created.Add(time.Hour), "20250304_060737_000001", `C:\Users\someone\AppData\Roaming\Code\User\mcp.json`
	fresh.File = "vscode/mcp.json.vscode." + fresh.Timestamp + ".zst"
	if err := db.PutMany([]index.Record{added, fresh}); err != nil {
		t.Fatalf("put after migration 3: %v", err)
	}
	all := append([]index.Record{added, fresh}, want...)
	sameRecords(t, "list after new puts", listRecords(t, db), all)
	if err := db.Check(); err != nil {
		t.Errorf("Check after new puts: %v", err)
	}
	db.Close()
	after, buckets := recordVersions(t, path)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("record %s rewritten by migration 3 (version %d)", k, after[k])
		}
	}
	if buckets[index.BucketTime] || !buckets[index.BucketPaths] || len(after) != len(before)+2 {
		t.Errorf("after migration 3: buckets %v, %d records", buckets, len(after))
	}

	t.Run("compaction rewrites every record to version 3", func(t *testing.T) {
		db, err := index.Open(path, index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dst := filepath.Join(t.TempDir(), "compact.db")
		if err := db.CompactTo(dst); err != nil {
			t.Fatal(err)
		}
		versions, _ := recordVersions(t, dst)
		for k, v := range versions {
			if v != 3 {
				t.Errorf("compacted record %s has version %d", k, v)
			}
		}
		cp, err := index.Open(dst, index.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer cp.Close()
		sameRecords(t, "list after compaction", listRecords(t, cp), all)
		if err := cp.Check(); err != nil {
			t.Errorf("Check after compaction: %v", err)
		}
	})

	t.Run("a newer schema is refused for writing", func(t *testing.T) {
		newer := copyFixture(t, "schema2")
		db, err := index.Open(filepath.Join(newer, store.IndexFile), index.Options{})
		if err != nil {
			t.Fatal(err)
		}
		migrations.Up(db)
		err = db.Upgrade(migrations.Latest()+1, func(*bolt.Tx) error { return nil })
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.Open(context.Background(), store.Options{Root: newer, LockTimeout: time.Second})
		if !errors.Is(err, index.ErrNewerSchema) {
			t.Errorf("store.Open on a newer index: %v, want ErrNewerSchema", err)
		}
	})
}

func fileBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Timestamps of the schema-3 fixture, newest first: the safety backup a
// restore of cursor took (of an unparsable config; schema 3 had no mark
// for it), vscode compressed, cursor's backup that was restored.
const (
	fixture3Safety   = "20250506_071109_000001"
	fixture3VSCode   = "20250506_070939_000001"
	fixture3Restored = "20250506_070809_000001"
)

func writeSchema3(t *testing.T, root string) {
	writeRestoreStory(t, root, time.Date(2025, 5, 6, 7, 8, 9, 1000, time.UTC), fixture3Restored, fixture3Safety)
}

// writeRestoreStory writes the story of the schema-3 and later fixtures,
// starting at start: a plain cursor backup, a compressed vscode one 90 s
// later, then the app broke cursor's config and a restore of the first
// backup (restored) took a safety backup (safety) of the broken one.
func writeRestoreStory(t *testing.T, root string, start time.Time, restored, safety string) {
	cfgDir := t.TempDir()
	cursor, vscode := filepath.Join(cfgDir, "cursor-mcp.json"), filepath.Join(cfgDir, "vscode-mcp.json")
	os.WriteFile(cursor, fixtureConfig, 0o600)
	os.WriteFile(vscode, fixtureConfig, 0o600)
	now := start
	open := func() *store.Store {
		s, err := store.Open(context.Background(), store.Options{Root: root, Location: time.UTC, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, c := range []struct {
		host, cfg string
		compress  bool
	}{{"cursor", cursor, false}, {"vscode", vscode, true}} {
		s := open()
		if _, err := s.Create(context.Background(), store.CreateOptions{Host: c.host, ConfigPath: c.cfg, Compress: c.compress}); err != nil {
			t.Fatal(err)
		}
		s.Close()
		now = now.Add(90 * time.Second)
	}
	os.WriteFile(cursor, fixture2Unparsable, 0o600)
	s := open()
	res, err := s.Restore(context.Background(), store.RestoreOptions{Host: "cursor", Timestamp: restored})
	if err != nil || res.SafetyBackup == nil || res.SafetyBackup.Timestamp != safety {
		t.Fatalf("restore in the fixture: %+v, %v", res, err)
	}
	s.Close()
}

// TestSchema3Fixture takes the index the schema-3 code wrote through
// migration 4: no record is rewritten, none is marked as a safety backup
// (the one the old restore took cannot be told apart: it lists as an
// ordinary backup), and a restore on the migrated store marks its own
// safety backup, which the next restore without a timestamp passes over.
func TestSchema3Fixture(t *testing.T) {
	root := copyFixture(t, "schema3")
	path := filepath.Join(root, store.IndexFile)
	before, _ := recordVersions(t, path)
	raw := recordValues(t, path)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := migrations.Up(db); err != nil || n != int(migrations.Latest())-3 {
		t.Fatalf("Up = %d, %v; want migrations 4 to %d", n, err, migrations.Latest())
	}
	db.Close()
	if after := recordValues(t, path); !maps.EqualFunc(after, raw, bytes.Equal) || len(before) != 3 {
		t.Fatalf("migration 4 rewrote records: %d before, %v", len(before), after)
	}

	s := openStore(t, root, false)
	defer s.Close()
	for _, b := range listAll(t, s) {
		if b.Safety {
			t.Errorf("%s listed as a safety backup: schema 3 had no mark", b.Timestamp)
		}
	}
	ctx := context.Background()
	target := filepath.Join(t.TempDir(), "cursor.json")
	os.WriteFile(target, []byte(`{"mcpServers": {}}`), 0o600)
	res, err := s.Restore(ctx, store.RestoreOptions{Host: "cursor", Timestamp: fixture3Restored, To: target})
	if err != nil || res.SafetyBackup == nil || !res.SafetyBackup.Safety {
		t.Fatalf("restore on the migrated store: safety backup %+v, %v", res.SafetyBackup, err)
	}
	if got := fileBytes(t, target); !bytes.Equal(got, fixtureConfig) {
		t.Fatalf("restored %q", got)
	}
	os.WriteFile(target, []byte(`{"mcpServers": {}}`), 0o600)
	again, err := s.Restore(ctx, store.RestoreOptions{Host: "cursor", To: target})
	if err != nil {
		t.Fatal(err)
	}
	if again.Restored.Timestamp == res.SafetyBackup.Timestamp || again.Restored.Safety {
		t.Errorf("a restore without a timestamp took the safety backup %s", again.Restored.Timestamp)
	}
	s.Close()
	checkSchema(t, root)
}

// recordValues maps each record of the index at path ("host@key") to its
// value's bytes.
func recordValues(t *testing.T, path string) map[string][]byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string][]byte{}
	db.View(func(tx *bolt.Tx) error {
		hosts := tx.Bucket([]byte(index.BucketHosts))
		return hosts.ForEachBucket(func(host []byte) error {
			return hosts.Bucket(host).ForEach(func(k, v []byte) error {
				out[string(host)+"@"+hex.EncodeToString(k)] = bytes.Clone(v)
				return nil
			})
		})
	})
	return out
}

// The schema-4 fixture: the schema-3 one's story (a plain cursor backup, a
// compressed vscode one, a restore that took a safety backup of a broken
// config) written by the schema-4 code, whose safety backup is marked.
const (
	fixture4Safety   = "20250607_081009_000001"
	fixture4VSCode   = "20250607_080839_000001"
	fixture4Restored = "20250607_080709_000001"
)

func writeSchema4(t *testing.T, root string) {
	writeRestoreStory(t, root, time.Date(2025, 6, 7, 8, 7, 9, 1000, time.UTC), fixture4Restored, fixture4Safety)
}

// TestSchema4FixtureToDeltas: the delta migration only bumps the version
// (no record rewritten), and the migrated index then holds a delta record
// naming its base.
func TestSchema4FixtureToDeltas(t *testing.T) {
	root := copyFixture(t, "schema4")
	path := filepath.Join(root, store.IndexFile)
	raw := recordValues(t, path)
	db, err := index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := migrations.Up(db); err != nil || n != int(migrations.Latest())-4 {
		t.Fatalf("Up = %d, %v; want migrations 5 to %d", n, err, migrations.Latest())
	}
	var recs []index.Record
	db.List(index.Query{}, func(r index.Record) error { recs = append(recs, r); return nil })
	if len(recs) < 2 {
		t.Fatalf("%d records in the fixture", len(recs))
	}
	db.Close()
	if after := recordValues(t, path); !maps.EqualFunc(after, raw, bytes.Equal) {
		t.Fatal("the delta migration rewrote records")
	}
	db, err = index.Open(path, index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close() // the deferred Close above closed the first db only
	d := recs[len(recs)-1]
	d.Compression, d.Base = index.Delta, "20250101_120000_000000"
	d.File = d.Host + "/mcp.json." + d.Host + "." + d.Timestamp + ".delta"
	if err := db.Replace(d); err != nil {
		t.Fatal(err)
	}
	got, err := db.Get(d.Host, d.Timestamp, d.Created)
	if err != nil || got.Base != d.Base || got.Compression != index.Delta || got.File != d.File {
		t.Fatalf("delta record reads back %+v, %v", got, err)
	}
}
