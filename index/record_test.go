package index

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCompressionString(t *testing.T) {
	for c, want := range map[Compression]string{None: "none", Zstd: "zstd", 7: "compression(7)"} {
		if got := c.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", c, got, want)
		}
	}
}

// testPaths is the path table of the encoding tests.
var testPaths memPaths

// validRecords covers every branch of the encoding.
func validRecords() map[string]Record {
	base := rec("claude-desktop", t0)
	zstd := base
	zstd.Compression = Zstd
	zstd.File = "claude-desktop/" + canonicalName("claude-desktop", base.Timestamp, Zstd)
	python := base
	python.File = "claude-desktop/claude_desktop_config.json.claude-desktop." + base.Timestamp
	legacy := base
	legacy.File = "claude-desktop/mcp.json.MCPHostType.CLAUDE_DESKTOP." + base.Timestamp
	nudged := base // a collision moved Created by 1µs, the name kept its timestamp
	nudged.Created = base.Created.Add(time.Microsecond)
	oddStamp := base
	oddStamp.Timestamp = "2025-09-21T14:30:00"
	oddStamp.File = "claude-desktop/" + canonicalName("claude-desktop", oddStamp.Timestamp, None)
	utc := base
	utc.Timestamp, _ = formatStamp(base.Created.UnixMicro())
	utc.File = "claude-desktop/" + canonicalName("claude-desktop", utc.Timestamp, None)
	west := base
	west.Timestamp, _ = formatStamp(base.Created.UnixMicro() - 12*3600e6)
	west.File = "claude-desktop/" + canonicalName("claude-desktop", west.Timestamp, None)
	unknown := base
	unknown.OriginalPath = ""
	parsed, unparsable := base, zstd
	parsed.Parse, unparsable.Parse = Parsed, Unparsable
	huge := base
	huge.StoredSize, huge.OriginalSize = 1<<62, 1<<63-1
	epoch := rec("codex", time.Unix(0, 0))
	far := rec("codex", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	far.Timestamp = "99991231_235959_999999" // beyond the compact form's reach
	far.File = "codex/" + canonicalName("codex", far.Timestamp, None)
	safety, safetyRaw := base, python
	safety.Safety, safetyRaw.Safety = true, true
	return map[string]Record{
		"safety": safety, "safety with a raw name": safetyRaw,
		"canonical": base, "zstd": zstd, "python name": python, "legacy name": legacy,
		"created nudged": nudged, "odd timestamp": oddStamp, "utc": utc, "west": west,
		"unknown origin": unknown, "parsed": parsed, "unparsable": unparsable, "huge sizes": huge, "epoch": epoch, "far future": far,
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for name, r := range validRecords() {
		t.Run(name, func(t *testing.T) {
			v, err := encodeRecord(r, &testPaths)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeRecord(r.Host, recordKey(r.Created), v, &testPaths)
			if err != nil {
				t.Fatal(err)
			}
			if !equalRecords(got, r) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
			}
		})
	}
}

func TestRecordIsCompact(t *testing.T) {
	r := rec("claude-desktop", t0)
	v, err := encodeRecord(r, &testPaths)
	if err != nil {
		t.Fatal(err)
	}
	// version, flags, 2-byte offset, 2+2 sizes, path id, sha256, compression, parse
	if want := 1 + 1 + 2 + 2 + 2 + 1 + 32 + 1 + 1; len(v) != want {
		t.Errorf("value is %d bytes, want %d: % x", len(v), want, v)
	}
}

func TestEncodeRejects(t *testing.T) {
	base := rec("vscode", t0)
	cases := map[string]func(*Record){
		"empty host":          func(r *Record) { r.Host = "" },
		"host with slash":     func(r *Record) { r.Host = "a/b"; r.File = "a/b/x" },
		"dot-dot host":        func(r *Record) { r.Host = ".."; r.File = "../x" },
		"long host":           func(r *Record) { r.Host = strings.Repeat("h", 256); r.File = r.Host + "/x" },
		"empty timestamp":     func(r *Record) { r.Timestamp = "" },
		"NUL in timestamp":    func(r *Record) { r.Timestamp = "2025\x00" },
		"zero created":        func(r *Record) { r.Created = time.Time{} },
		"created before 1970": func(r *Record) { r.Created = time.Unix(-1, 0) },
		"negative stored":     func(r *Record) { r.StoredSize = -1 },
		"negative original":   func(r *Record) { r.OriginalSize = -1 },
		"long original path":  func(r *Record) { r.OriginalPath = "/" + strings.Repeat("p", maxPathLen) },
		"unknown compression": func(r *Record) { r.Compression = 2 },
		"unknown parse":       func(r *Record) { r.Parse = 3 },
		"file of other host":  func(r *Record) { r.File = "cursor/mcp.json" },
		"file in subfolder":   func(r *Record) { r.File = "vscode/a/b" },
		"file without name":   func(r *Record) { r.File = "vscode/" },
		"file dot-dot":        func(r *Record) { r.File = "vscode/.." },
		"file backslash":      func(r *Record) { r.File = `vscode/a\b` },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			r := base
			mutate(&r)
			_, err := encodeRecord(r, &testPaths)
			wantErr(t, err, ErrInvalidRecord)
		})
	}
}

func TestDecodeEveryTruncation(t *testing.T) {
	for name, r := range validRecords() {
		t.Run(name, func(t *testing.T) {
			v, err := encodeRecord(r, &testPaths)
			if err != nil {
				t.Fatal(err)
			}
			key := recordKey(r.Created)
			for i := range v {
				if _, err := decodeRecord(r.Host, key, v[:i], &testPaths); !errors.Is(err, ErrCorrupt) {
					t.Errorf("decode of %d of %d bytes: %v, want ErrCorrupt", i, len(v), err)
				}
			}
			for i := range key {
				if _, err := decodeRecord(r.Host, key[:i], v, &testPaths); !errors.Is(err, ErrCorrupt) {
					t.Errorf("decode with a %d-byte key: %v, want ErrCorrupt", i, err)
				}
			}
			if _, err := decodeRecord(r.Host, key, append(bytes.Clone(v), 0), &testPaths); !errors.Is(err, ErrCorrupt) {
				t.Errorf("decode with a trailing byte: %v, want ErrCorrupt", err)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	r := rec("vscode", t0)
	good, err := encodeRecord(r, &testPaths)
	if err != nil {
		t.Fatal(err)
	}
	key := recordKey(r.Created)
	with := func(i int, b ...byte) []byte {
		v := bytes.Clone(good)
		return append(v[:i:i], append(b, v[i+len(b):]...)...)
	}
	shaAt := len(good) - 34
	cases := []struct {
		name       string
		host       string
		key, value []byte
	}{
		{"empty value", "vscode", key, nil},
		{"version 0", "vscode", key, with(0, 0)},
		{"version 4", "vscode", key, with(0, 4)},
		{"version 1 with a parse byte", "vscode", key, append([]byte{1}, golden(t, goldenV2)[1:]...)},
		{"dangling path id", "vscode", key, with(len(good)-35, 99)},
		{"path id over 64 bits", "vscode", key, append(append(bytes.Clone(good[:8]), bytes.Repeat([]byte{0xff}, 10)...), good[9:]...)},
		{"unknown flag", "vscode", key, with(1, 0x08)},
		{"compression 2", "vscode", key, with(len(good)-2, 2)},
		{"parse 3", "vscode", key, with(len(good)-1, 3)},
		{"parse byte cut", "vscode", key, good[:len(good)-1]},
		{"negative key", "vscode", append([]byte{0x80}, key[1:]...), good},
		{"9-byte key", "vscode", append(bytes.Clone(key), 0), good},
		{"empty host", "", key, good},
		{"host with slash", "a/b", key, good},
		{"huge offset", "vscode", key, append(binary.AppendVarint([]byte{1, 0}, maxOffset+1), good[4:]...)},
		{"offset past year 9999", "vscode", recordKey(time.Date(9999, 12, 31, 23, 0, 0, 0, time.UTC)), good},
		{"overlong varint", "vscode", key, append([]byte{1, 0, 4}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"size over int64", "vscode", key, []byte{1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1}},
		{"raw timestamp too long", "vscode", key, []byte{1, 1, 0xff, 0x7f}},
		{"raw name with slash", "vscode", key, append([]byte{1, 3, 1, 'x', 3, 'a', '/', 'b'}, good[4:]...)},
		{"sha cut", "vscode", key, good[:shaAt+10]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeRecord(c.host, c.key, c.value, &testPaths)
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("decode: %v, want ErrCorrupt", err)
			}
			t.Log(err)
		})
	}
}

// Values written by the older encodings, byte for byte: vscode at t0,
// zstd, from "/home/user/.config/vscode/config.json"; version 2 with parse
// status unparsable, version 1 without one.
const (
	goldenV1 = "0100c070d209d209252f686f6d652f757365722f2e636f6e6669672f7673636f64652f636f6e6669672e6a736f6e" +
		"3ec3bd1933db9ecc859f27a867daef2fd6ac8bfe2bcc6bb0790423f125b45ae501"
	goldenV2 = "0200c070d209d209252f686f6d652f757365722f2e636f6e6669672f7673636f64652f636f6e6669672e6a736f6e" +
		"3ec3bd1933db9ecc859f27a867daef2fd6ac8bfe2bcc6bb0790423f125b45ae50102"
)

func golden(t *testing.T, h string) []byte {
	t.Helper()
	b, err := hex.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeOlderVersions reads values of versions 1 and 2 (path inline):
// they decode, and writing them back gives version 3, which decodes to the
// same record.
func TestDecodeOlderVersions(t *testing.T) {
	want := rec("vscode", t0)
	want.Compression = Zstd
	want.File = "vscode/" + canonicalName("vscode", want.Timestamp, Zstd)
	for _, c := range []struct {
		name  string
		value string
		parse ParseStatus
	}{{"version 1", goldenV1, ParseUnknown}, {"version 2", goldenV2, Unparsable}} {
		t.Run(c.name, func(t *testing.T) {
			want.Parse = c.parse
			got, err := decodeRecord("vscode", recordKey(t0), golden(t, c.value), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !equalRecords(got, want) {
				t.Errorf("decoded\n got %+v\nwant %+v", got, want)
			}
			again, err := encodeRecord(got, &testPaths)
			if err != nil || again[0] != recordVersion || len(again) != 43 {
				t.Fatalf("re-encoded: % x, %v", again, err)
			}
			if back, err := decodeRecord("vscode", recordKey(t0), again, &testPaths); err != nil || !equalRecords(back, want) {
				t.Errorf("version 3 of it decodes to %+v, %v", back, err)
			}
		})
	}
}

// TestDecodeUnresolvedPath: a version 3 path id that nothing resolves is
// damage, whatever the resolver.
func TestDecodeUnresolvedPath(t *testing.T) {
	r := rec("vscode", t0)
	table := memPaths{}
	v, err := encodeRecord(r, &table)
	if err != nil {
		t.Fatal(err)
	}
	for name, paths := range map[string]pathResolver{
		"nil resolver":         nil,
		"id not in the table":  &memPaths{},
		"no paths bucket":      newPathReader(nil, true),
		"no paths bucket, raw": newPathReader(nil, false),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeRecord("vscode", recordKey(t0), v, paths)
			wantErr(t, err, ErrCorrupt)
			t.Log(err)
		})
	}
}

func TestParseStatusString(t *testing.T) {
	for p, want := range map[ParseStatus]string{ParseUnknown: "unknown", Parsed: "parsed", Unparsable: "unparsable", 9: "parse(9)"} {
		if got := p.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", p, got, want)
		}
	}
}

func TestStamp(t *testing.T) {
	cases := []struct {
		ts string
		ok bool
	}{
		{"20250921_143000_123456", true},
		{"00000101_000000_000000", true},
		{"99991231_235959_999999", true},
		{"20240229_000000_000000", true},
		{"20250229_000000_000000", false},
		{"20251340_000000_000000", false},
		{"20250921_240000_000000", false},
		{"20250921_143060_000000", false},
		{"20250921-143000_123456", false},
		{"20250921_143000_1234567", false},
		{"2025092a_143000_123456", false},
		{"", false},
	}
	for _, c := range cases {
		t.Run(c.ts, func(t *testing.T) {
			wall, ok := parseStamp(c.ts)
			if ok != c.ok {
				t.Fatalf("parseStamp(%q) ok = %v, want %v", c.ts, ok, c.ok)
			}
			if back, _ := formatStamp(wall); ok && back != c.ts {
				t.Errorf("formatStamp(parseStamp(%q)) = %q", c.ts, back)
			}
		})
	}
}
