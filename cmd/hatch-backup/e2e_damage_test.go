package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/hatch-backup/hatch-backup/store"
)

// damaged is a real store with two backups, ready to be damaged: plain
// (cursor, plain file) and zst (vscode, zstd), both of config.
type damaged struct {
	*testEnv
	root   string // resolved
	config string
	data   []byte
	plain  backupJSON
	zst    backupJSON
}

func newDamaged(t *testing.T) *damaged {
	t.Helper()
	e := newEnv(t)
	d := &damaged{testEnv: e, config: filepath.Join(e.home, "c.json")}
	d.data = e.writeConfig(d.config, "one", 0o600)
	d.plain = createJSON(e, "--host", "cursor", "--config", d.config)
	d.zst = createJSON(e, "--host", "vscode", "--config", d.config, "--compress")
	root, err := filepath.EvalSymlinks(e.root)
	if err != nil {
		t.Fatal(err)
	}
	d.root = root
	d.plain.FilePath = filepath.Join(root, "cursor", filepath.Base(d.plain.FilePath))
	d.zst.FilePath = filepath.Join(root, "vscode", filepath.Base(d.zst.FilePath))
	return d
}

func createJSON(e *testEnv, args ...string) backupJSON {
	e.t.Helper()
	r := e.must(0, append([]string{"create", "--json"}, args...)...)
	var res resultJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res.Backup == nil {
		e.t.Fatalf("create --json: %v\n%s", err, r.stdout)
	}
	return *res.Backup
}

// want is one expected problem: kind, host, timestamp, path.
type want struct{ kind, host, ts, path string }

func (w want) String() string { return fmt.Sprintf("%s %s %s %s", w.kind, w.host, w.ts, w.path) }

func (d *damaged) about(kind string, b backupJSON) want {
	return want{kind, b.Hostname, b.Timestamp, b.FilePath}
}

func (d *damaged) write(p string, data []byte) {
	d.t.Helper()
	if err := os.WriteFile(p, data, 0o600); err != nil {
		d.t.Fatal(err)
	}
}

func (d *damaged) read(p string) []byte {
	d.t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		d.t.Fatal(err)
	}
	return b
}

func (d *damaged) do(err error) {
	d.t.Helper()
	if err != nil {
		d.t.Fatal(err)
	}
}

// damageCase makes one kind of damage on a real store and says what verify
// must report, exactly.
type damageCase struct {
	name   string
	unix   bool // needs Unix modes, owners or symlinks
	damage func(d *damaged) []want
	// refuse is the host whose restore must fail with exit 3 ("" none).
	refuse string
	// repairable: after reindex, verify is clean.
	repairable bool
}

func damageCases() []damageCase {
	return []damageCase{
		{name: "flipped bit", refuse: "cursor", damage: func(d *damaged) []want {
			b := d.read(d.plain.FilePath)
			b[len(b)/2] ^= 0x04
			d.write(d.plain.FilePath, b)
			return []want{d.about("checksum-mismatch", d.plain)}
		}},
		{name: "truncated backup", refuse: "cursor", damage: func(d *damaged) []want {
			d.do(os.Truncate(d.plain.FilePath, d.plain.FileSize/2))
			return []want{d.about("size-mismatch", d.plain)}
		}},
		{name: "emptied backup", refuse: "cursor", damage: func(d *damaged) []want {
			d.do(os.Truncate(d.plain.FilePath, 0))
			return []want{d.about("size-mismatch", d.plain)}
		}},
		{name: "deleted backup", refuse: "cursor", repairable: true, damage: func(d *damaged) []want {
			d.do(os.Remove(d.plain.FilePath))
			return []want{d.about("missing", d.plain)}
		}},
		{name: "valid zstd frame of other content", refuse: "vscode", damage: func(d *damaged) []want {
			other := bytes.Replace(d.data, []byte(`"one"`), []byte(`"two"`), 1)
			frame := store.GenCompress(other)
			if int64(len(frame)) != d.zst.FileSize {
				d.t.Fatalf("other frame is %d bytes, the backup %d: pick another tag", len(frame), d.zst.FileSize)
			}
			d.write(d.zst.FilePath, frame)
			return []want{d.about("checksum-mismatch", d.zst)}
		}},
		{name: "zstd garbage", refuse: "vscode", damage: func(d *damaged) []want {
			d.write(d.zst.FilePath, bytes.Repeat([]byte{0xA5}, int(d.zst.FileSize)))
			return []want{d.about("undecodable", d.zst)}
		}},
		{name: "decompression bomb", refuse: "vscode", damage: func(d *damaged) []want {
			d.write(d.zst.FilePath, padFrame(d.t, store.GenCompress(make([]byte, 256<<10)), int(d.zst.FileSize)))
			return []want{d.about("undecodable", d.zst)}
		}},
		// 80 MiB of config in a small .zst: past the old 64 MiB limit, below
		// blob.MaxDecodedSize, so reindex adopts it, decoded as it is hashed.
		{name: "unindexed bomb", repairable: true, damage: func(d *damaged) []want {
			p := filepath.Join(d.root, "vscode", "mcp.json.vscode.20200101_000000_000000.zst")
			d.write(p, store.GenCompress(make([]byte, 80<<20)))
			return []want{{"unindexed", "vscode", "20200101_000000_000000", p}}
		}},
		{name: "garbage index", refuse: "cursor", repairable: true, damage: func(d *damaged) []want {
			d.write(filepath.Join(d.root, store.IndexFile), bytes.Repeat([]byte("garbage!"), 1024))
			return []want{{"index-corrupt", "", "", filepath.Join(d.root, store.IndexFile)}}
		}},
		{name: "truncated index", refuse: "cursor", repairable: true, damage: func(d *damaged) []want {
			p := filepath.Join(d.root, store.IndexFile)
			d.do(os.Truncate(p, 6000)) // the first meta page whole, the rest cut
			return []want{{"index-corrupt", "", "", p}}
		}},
		{name: "damaged index pages", refuse: "cursor", repairable: true, damage: func(d *damaged) []want {
			p := filepath.Join(d.root, store.IndexFile)
			b := d.read(p)
			for i := 2 * 4096; i < len(b); i++ { // the meta pages stay whole: it opens
				b[i] ^= 0x5A
			}
			d.write(p, b)
			return []want{{"index-corrupt", "", "", p}}
		}},
		{name: "0-byte index", refuse: "cursor", repairable: true, damage: func(d *damaged) []want {
			p := filepath.Join(d.root, store.IndexFile)
			d.do(os.Truncate(p, 0))
			return []want{{"index-corrupt", "", "", p}}
		}},
		{name: "index from a newer schema", refuse: "cursor", damage: func(d *damaged) []want {
			p := filepath.Join(d.root, store.IndexFile)
			d.do(store.WriteNewerSchema(d.root, 0))
			return []want{{"index-newer-schema", "", "", p}}
		}},
		{name: "unknown files in the root", damage: func(d *damaged) []want {
			f, dir := filepath.Join(d.root, "notes.txt"), filepath.Join(d.root, "stuff")
			d.write(f, []byte("mine"))
			d.do(os.Mkdir(dir, 0o700))
			return []want{{"unknown-file", "", "", f}, {"unknown-file", "", "", dir}}
		}},
		{name: "unknown file in a host folder", damage: func(d *damaged) []want {
			f := filepath.Join(d.root, "cursor", "README")
			d.write(f, []byte("mine"))
			return []want{{"unknown-file", "cursor", "", f}}
		}},
		{name: "leftover temp files", repairable: true, damage: func(d *damaged) []want {
			a := filepath.Join(d.root, "cursor", "."+filepath.Base(d.plain.FilePath)+".0123456789abcdef.tmp")
			b := filepath.Join(d.root, ".index.db.fedcba9876543210.tmp")
			d.write(a, []byte("half"))
			d.write(b, nil)
			return []want{{"temp-file", "cursor", "", a}, {"temp-file", "", "", b}}
		}},
		{name: "unindexed backups, ours and Python Hatch's", repairable: true, damage: func(d *damaged) []want {
			a := filepath.Join(d.root, "cursor", "mcp.json.cursor.20200101_000000_000001")
			b := filepath.Join(d.root, "claude-desktop", "mcp.json.MCPHostType.CLAUDE_DESKTOP.20200102_000000_000000")
			d.write(a, d.data)
			d.do(os.Mkdir(filepath.Dir(b), 0o700))
			d.write(b, d.data)
			return []want{{"unindexed", "cursor", "20200101_000000_000001", a}, {"unindexed", "claude-desktop", "20200102_000000_000000", b}}
		}},
		{name: "index entry whose name does not match", repairable: false, damage: func(d *damaged) []want {
			r, err := store.LatestRecord(d.root, "cursor")
			d.do(err)
			r.Created = r.Created.Add(-3e9)
			r.Timestamp = "20200101_000000_000000"
			d.do(store.PutRecord(d.root, r))
			return []want{{"name-mismatch", "cursor", r.Timestamp, d.plain.FilePath}}
		}},
		{name: "symlink planted as the backup", unix: true, refuse: "cursor", damage: func(d *damaged) []want {
			outside := filepath.Join(d.home, "outside.json")
			d.write(outside, d.data)
			d.do(os.Remove(d.plain.FilePath))
			d.do(os.Symlink(outside, d.plain.FilePath))
			return []want{d.about("symlink", d.plain)}
		}},
		{name: "backup-named symlink pointing outside", unix: true, damage: func(d *damaged) []want {
			p := filepath.Join(d.root, "cursor", "mcp.json.cursor.20200101_000000_000000")
			d.do(os.Symlink("/etc/passwd", p))
			return []want{{"symlink", "cursor", "20200101_000000_000000", p}}
		}},
		{name: "wrong modes", unix: true, repairable: true, damage: func(d *damaged) []want {
			dir := filepath.Dir(d.plain.FilePath)
			d.do(os.Chmod(d.plain.FilePath, 0o644))
			d.do(os.Chmod(dir, 0o755))
			d.do(os.Chmod(d.root, 0o711))
			w := d.about("bad-mode", d.plain)
			return []want{w, {"bad-mode", "cursor", "", dir}, {"bad-mode", "", "", d.root}}
		}},
	}
}

// padFrame appends a zstd skippable frame to frame so that it is n bytes.
func padFrame(t *testing.T, frame []byte, n int) []byte {
	t.Helper()
	pad := n - len(frame) - 8
	if pad < 0 {
		t.Fatalf("frame of %d bytes does not fit in %d", len(frame), n)
	}
	out := binary.LittleEndian.AppendUint32(bytes.Clone(frame), 0x184D2A50)
	out = binary.LittleEndian.AppendUint32(out, uint32(pad))
	return append(out, make([]byte, pad)...)
}

// verifyRun is one verify --json: its exit code and report.
type verifyRun func(d *damaged) (int, verifyJSON)

func realVerify(d *damaged) (int, verifyJSON) {
	d.t.Helper()
	r := d.run("verify", "--json")
	var v verifyJSON
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		d.t.Fatalf("verify --json: %v\n%s", err, r)
	}
	return r.code, v
}

// checkDamage makes c's damage and returns what verify got wrong: its exit
// code, or a problem list that is not exactly the expected one.
func checkDamage(d *damaged, c damageCase, verify verifyRun) error {
	wanted := c.damage(d)
	code, v := verify(d)
	var got []want
	for _, p := range v.Problems {
		got = append(got, want{p.Kind, p.Hostname, p.Timestamp, p.Path})
	}
	sortWants(wanted)
	sortWants(got)
	if code != exitIntegrity || fmt.Sprint(got) != fmt.Sprint(wanted) {
		return fmt.Errorf("verify: exit %d, problems\n  %v\nwant exit 3 and\n  %v", code, got, wanted)
	}
	return nil
}

func sortWants(ws []want) {
	sort.Slice(ws, func(i, j int) bool { return ws[i].String() < ws[j].String() })
}

// TestDamage: every kind of damage, made on a real store, is reported by
// verify exactly (kind, host, timestamp, path) with exit 3; restore of a
// damaged backup refuses with exit 3 and leaves the live config alone;
// reindex deletes no unknown file and repairs what it can, after which
// verify is clean.
func TestDamage(t *testing.T) {
	for _, c := range damageCases() {
		t.Run(c.name, func(t *testing.T) {
			if c.unix && runtime.GOOS == "windows" {
				t.Skip("Unix modes and symlinks")
			}
			d := newDamaged(t)
			if err := checkDamage(d, c, realVerify); err != nil {
				t.Fatal(err)
			}
			if c.refuse != "" {
				before := snapshot(t, filepath.Dir(d.config))
				r := d.run("restore", "--host", c.refuse, "--to", d.config)
				if r.code != exitIntegrity {
					t.Errorf("restore of damage: want exit 3, got %s", r)
				}
				sameSnapshot(t, "a refused restore", before, snapshot(t, filepath.Dir(d.config)))
				if hasCommand(d.testEnv, "show") {
					if r := d.run("show", "--host", c.refuse); r.code != exitIntegrity || r.stdout != "" {
						t.Errorf("show of damage: want exit 3 and nothing on stdout, got %s", r)
					}
				}
			}
			checkReindex(t, d, c)
		})
	}
}

// hasCommand reports whether the binary has the command (show comes with
// another change; the damage table covers it once it is there).
func hasCommand(e *testEnv, name string) bool {
	return e.run(name, "--help").code == 0
}

// checkReindex runs reindex twice: no unknown file is deleted, the second
// run changes nothing, and a repairable store verifies clean.
func checkReindex(t *testing.T, d *damaged, c damageCase) {
	t.Helper()
	_, v := realVerify(d)
	unknown := map[string]bool{}
	for _, p := range v.Problems {
		if p.Kind == "unknown-file" || p.Kind == "symlink" {
			unknown[p.Path] = true
		}
	}
	indexBytes, _ := os.ReadFile(filepath.Join(d.root, store.IndexFile))
	r := d.run("reindex", "--json")
	if c.repairable != (r.code == 0) {
		t.Errorf("reindex: repairable %v, got %s", c.repairable, r)
	}
	if r.code != 0 && r.code != exitIntegrity {
		t.Fatalf("reindex failed: %s", r)
	}
	var res reindexJSON
	json.Unmarshal([]byte(r.stdout), &res)
	if res.MovedIndex != nil {
		// A damaged index is kept, byte for byte, beside the new one.
		if moved, err := os.ReadFile(*res.MovedIndex); err != nil || !bytes.Equal(moved, indexBytes) {
			t.Errorf("the damaged index moved to %s is not kept as it was: %v", *res.MovedIndex, err)
		}
	}
	if v.Problems != nil && v.Problems[0].Kind == "index-corrupt" && res.MovedIndex == nil {
		t.Errorf("reindex kept a damaged index in place: %s", r)
	}
	for p := range unknown {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("reindex removed %s: %v", p, err)
		}
	}
	before := snapshot(t, d.root)
	again := d.run("reindex")
	sameSnapshot(t, "a second reindex", before, snapshot(t, d.root))
	if again.code != r.code {
		t.Errorf("second reindex: exit %d, first %d", again.code, r.code)
	}
	code, v := realVerify(d)
	if c.repairable && (code != 0 || len(v.Problems) != 0) {
		t.Errorf("after reindex verify: exit %d, %+v", code, v.Problems)
	}
	if !c.repairable && code != exitIntegrity {
		t.Errorf("after reindex of unrepairable damage verify: exit %d, want 3", code)
	}
}

// TestDamageSuiteCatchesBlindVerify: a verify that always says OK (or says
// nothing specific) fails every case of the damage table.
func TestDamageSuiteCatchesBlindVerify(t *testing.T) {
	blind := map[string]verifyRun{
		"always OK":       func(*damaged) (int, verifyJSON) { return 0, verifyJSON{} },
		"exit 3, no list": func(*damaged) (int, verifyJSON) { return exitIntegrity, verifyJSON{} },
		"wrong kind": func(d *damaged) (int, verifyJSON) {
			code, v := realVerify(d)
			for i, p := range v.Problems {
				v.Problems[i].Kind = "missing"
				if p.Kind == "missing" {
					v.Problems[i].Kind = "unknown-file"
				}
			}
			return code, v
		},
	}
	for name, verify := range blind {
		for _, c := range damageCases() {
			if c.unix && runtime.GOOS == "windows" {
				continue
			}
			t.Run(name+"/"+c.name, func(t *testing.T) {
				if err := checkDamage(newDamaged(t), c, verify); err == nil {
					t.Errorf("a %s verify passed the damage case", name)
				}
			})
		}
	}
}

// TestVerifyClean: a sound store verifies clean, and verify changes
// nothing, not even a missing index beside Python Hatch files.
func TestVerifyClean(t *testing.T) {
	d := newDamaged(t)
	before := snapshot(t, d.root)
	r := d.must(0, "verify")
	if !strings.Contains(r.stdout, "checked 2 backups: no problems") {
		t.Errorf("verify: %s", r)
	}
	d.must(0, "verify", "--host", "cursor")
	sameSnapshot(t, "verify", before, snapshot(t, d.root))

	d.do(os.Remove(filepath.Join(d.root, store.IndexFile)))
	before = snapshot(t, d.root)
	code, v := realVerify(d)
	if code != exitIntegrity || len(v.Problems) != 2 || v.Problems[0].Kind != "unindexed" {
		t.Errorf("verify without index: exit %d, %+v", code, v.Problems)
	}
	sameSnapshot(t, "verify without an index", before, snapshot(t, d.root))
	d.must(2, "verify", "--host", "VSCode")
	d.must(2, "verify", "stray")
	d.must(2, "reindex", "stray")
	d.must(10, "--root", filepath.Join(d.home, "nowhere"), "reindex")
}
