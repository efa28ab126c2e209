package layers

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hatch-backup/hatch-backup"

// rooms maps each package of the module (by its path inside it) to the
// packages of the module and the outside libraries it may import. The
// standard library is always allowed. A package missing here fails the
// test, so that a new room is placed on purpose.
var rooms = map[string]room{
	"cmd/hatch-backup": {
		own:  []string{"store"},
		libs: []string{"github.com/urfave/cli/v2", "golang.org/x/sys", "golang.org/x/term"},
	},
	"store": {
		own: []string{"index", "blob", "retention", "atomic", "migrations", "mcpconfig", "watch", "remote", "service",
			"internal/jsonsyntax", "internal/tempname", "internal/osfile"},
		libs: []string{"github.com/aymanbagabas/go-udiff", "golang.org/x/sys"},
	},
	"migrations": {own: []string{"index"}, libs: []string{"go.etcd.io/bbolt"}},
	"index":      {own: []string{"internal/osfile", "internal/tempname"}, libs: []string{"go.etcd.io/bbolt", "golang.org/x/sys"}},
	"atomic":     {own: []string{"internal/osfile", "internal/tempname"}, libs: []string{"golang.org/x/sys"}},
	"blob":       {libs: []string{"github.com/klauspost/compress"}},
	"retention":  {},
	"mcpconfig": {
		own:  []string{"internal/jsonsyntax"},
		libs: []string{"github.com/BurntSushi/toml", "github.com/tailscale/hujson", "github.com/goccy/go-yaml"},
	},
	"watch":  {libs: []string{"github.com/fsnotify/fsnotify"}},
	"remote": {libs: []string{"filippo.io/age", "golang.org/x/crypto"}},
	// Test scaffolding: a real S3 server (the Versity S3 Gateway) for the
	// remote's tests and the bench.
	"remote/s3test":       {},
	"service":             {},
	"internal/osfile":     {libs: []string{"golang.org/x/sys"}},
	"internal/jsonsyntax": {},
	"internal/tempname":   {},
	"internal/layers":     {},
	"bench":               {own: []string{"store", "remote", "remote/s3test"}},
	"bench/s3put":         {own: []string{"remote"}},
	"bench/rawwrite":      {},
}

// testOnly are what a package's tests may import beyond its own room: the
// package itself (external tests) and what their fixtures are made with.
var testOnly = map[string][]string{
	"store":      {"store", "remote/s3test"},
	"index":      {"index"},
	"migrations": {"migrations", "store"}, // fixtures are opened and restored through the store
	"retention":  {"retention"},
	"mcpconfig":  {"mcpconfig"},
	"watch":      {"watch"},
	"remote":     {"remote", "remote/s3test"},
}

// knownBreaks are imports that break the rules today, each with why it is
// still there. The test fails on any other break, and on a known one that
// is gone (so that this list only ever shrinks). The store's test
// scaffolding (store/testing_gen.go, store/testing_scaffold.go, as restic
// keeps TestRepository in its package) gives the layers above it what
// their tests need of the layers below.
var knownBreaks = map[string]string{
	// A real S3 server (the Versity S3 Gateway), as the store's and the
	// remote's tests start it: test-only scaffolding of the remote, which
	// the store has no natural way to hand on.
	"tests of cmd/hatch-backup -> remote/s3test": "the push and pull tests start the S3 server through it",
}

type room struct {
	own  []string // packages of this module, by path inside it
	libs []string // module paths of outside libraries
}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Standard     bool
}

func TestLayers(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	found := map[string]string{} // "pkg -> import": why it breaks the rules
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		r, ok := rooms[name]
		if !ok {
			t.Errorf("package %s has no room in the layering table: add it on purpose", name)
			continue
		}
		for _, imp := range p.Imports {
			if why := r.refuses(imp); why != "" {
				found[name+" -> "+strings.TrimPrefix(imp, module+"/")] = why
			}
		}
		tr := r
		tr.own = append(slices.Clone(r.own), testOnly[name]...)
		for _, imp := range append(p.TestImports, p.XTestImports...) {
			if why := tr.refuses(imp); why != "" {
				found["tests of "+name+" -> "+strings.TrimPrefix(imp, module+"/")] = why
			}
		}
	}
	for brk, why := range found {
		if _, ok := knownBreaks[brk]; !ok {
			t.Errorf("%s: %s", brk, why)
		}
	}
	for brk := range knownBreaks {
		if _, ok := found[brk]; !ok {
			t.Errorf("%s no longer breaks the rules: take it off knownBreaks", brk)
		}
	}
}

// refuses says why r may not import imp, or "".
func (r room) refuses(imp string) string {
	if own, ok := strings.CutPrefix(imp, module+"/"); ok {
		if slices.Contains(r.own, own) {
			return ""
		}
		return "not among the packages this layer may import"
	}
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		return "" // the standard library
	}
	for _, lib := range r.libs {
		if imp == lib || strings.HasPrefix(imp, lib+"/") {
			return ""
		}
	}
	return "an outside library this layer may not import"
}
