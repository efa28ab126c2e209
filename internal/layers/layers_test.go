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
		libs: []string{"github.com/urfave/cli/v2", "golang.org/x/sys"},
	},
	"store": {
		own: []string{"index", "blob", "retention", "atomic", "migrations", "mcpconfig", "watch", "remote",
			"internal/jsonsyntax"},
		libs: []string{"github.com/BurntSushi/toml", "github.com/tailscale/hujson", "github.com/aymanbagabas/go-udiff"},
	},
	"migrations": {own: []string{"index"}, libs: []string{"go.etcd.io/bbolt"}},
	"index":      {own: []string{"internal/osfile"}, libs: []string{"go.etcd.io/bbolt", "golang.org/x/sys"}},
	"atomic":     {own: []string{"internal/osfile"}, libs: []string{"golang.org/x/sys"}},
	"blob":       {libs: []string{"github.com/klauspost/compress"}},
	"retention":  {},
	"mcpconfig": {
		own:  []string{"internal/jsonsyntax"},
		libs: []string{"github.com/BurntSushi/toml", "github.com/tailscale/hujson", "github.com/aymanbagabas/go-udiff"},
	},
	"internal/osfile":     {libs: []string{"golang.org/x/sys"}},
	"internal/jsonsyntax": {},
	"internal/layers":     {},
	"bench":               {},
	"bench/rawwrite":      {},
}

// testOnly are what a package's tests may import beyond its own room: the
// package itself (external tests) and the scaffolding beside it.
var testOnly = map[string][]string{
	"store":      {"store"},
	"index":      {"index"},
	"migrations": {"migrations", "store"}, // fixtures are opened and restored through the store
	"retention":  {"retention"},
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
				t.Errorf("%s imports %s: %s", name, imp, why)
			}
		}
		tr := r
		tr.own = append(slices.Clone(r.own), testOnly[name]...)
		for _, imp := range append(p.TestImports, p.XTestImports...) {
			if why := tr.refuses(imp); why != "" {
				t.Errorf("tests of %s import %s: %s", name, imp, why)
			}
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
