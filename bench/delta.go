package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/hatch-backup/hatch-backup/store"
)

// claudeConfig is version v of a Claude Code-like ~/.claude.json of about
// 168 KB: a start counter, 56 projects each with a prompt history and
// costs, and, from one version to the next, one project's history gaining
// a prompt (the oldest dropped past 100) and its cost changing.
func claudeConfig(v int) []byte {
	rng := rand.New(rand.NewPCG(17, 17))
	words := []string{"refactor", "the", "parser", "add", "tests", "for", "fix", "bug", "in", "cli", "why", "does", "this", "fail", "make", "it", "faster", "explain", "config", "server"}
	prompt := func(r *rand.Rand, n int) string {
		var b bytes.Buffer
		for i := range 6 + n%9 {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		return b.String()
	}
	type project struct {
		History  []map[string]string `json:"history"`
		Cost     float64             `json:"lastCost"`
		Duration int                 `json:"lastDuration"`
		Tools    []string            `json:"allowedTools"`
	}
	cfg := map[string]any{"numStartups": 100 + v, "userID": "0f3c9a7e5b1d", "theme": "dark"}
	projects := map[string]project{}
	for p := range 56 {
		pr := project{Cost: float64(p) * 1.25, Duration: 1000 * p, Tools: []string{"Bash", "Edit", "Read"}}
		n := 22
		first := 0
		if p == 7 { // the project in use: one prompt more per version
			n = min(22+v, 100)
			first = max(0, 22+v-100)
			pr.Cost += float64(v) * 0.137
			pr.Duration += 997 * v
		}
		for h := first; h < first+n; h++ {
			r := rand.New(rand.NewPCG(uint64(p), uint64(h)))
			pr.History = append(pr.History, map[string]string{"display": prompt(r, h), "pastedContents": ""})
		}
		projects[fmt.Sprintf("/home/user/src/project-%02d-%d", p, rng.IntN(1000))] = pr
	}
	cfg["projects"] = projects
	out, _ := json.MarshalIndent(cfg, "", "  ")
	return out
}

// deltas measures the goals of delta storage: 200 backups of a 168 KB
// Claude Code-like config, their size on disk after compact --delta, the
// time compact --delta takes, and show of the oldest delta against show
// of the plain newest.
func (b *bench) deltas() error {
	root := filepath.Join(b.dir, "deltas")
	var bs []store.GenBackup
	now := time.Now()
	for i := range 200 {
		bs = append(bs, store.GenBackup{Host: "claude-code", Created: now.Add(-time.Duration(200-i) * time.Hour), Data: claudeConfig(i)})
	}
	if _, err := store.Populate(root, time.Local, bs); err != nil {
		return err
	}
	plain, err := du(filepath.Join(root, "claude-code"))
	if err != nil {
		return err
	}
	// compact --delta of the series, each run on a fresh copy (the last
	// copy stays for the rest): the median of three.
	var walls []time.Duration
	var kb int64
	for i := range 3 {
		run := root
		if i < 2 {
			run = fmt.Sprint(root, "-", i)
			if out, err := exec.Command("cp", "-a", root, run).CombinedOutput(); err != nil {
				return fmt.Errorf("cp: %v: %s", err, out)
			}
		}
		wall, k, err := b.time("compact --delta", b.hatch(run, "compact", "--delta"))
		if err != nil {
			return err
		}
		walls, kb = append(walls, wall), max(kb, k)
	}
	slices.Sort(walls)
	b.rows = append(b.rows, row{op: "compact --delta of 200 x 168 KB", s: sample{median: walls[1], rssKB: kb}})
	after, err := du(filepath.Join(root, "claude-code"))
	if err != nil {
		return err
	}
	var zstd int
	for _, x := range bs {
		zstd += len(store.GenCompress(x.Data))
	}
	fmt.Printf("deltas: 200 backups of %d bytes: %d bytes plain, %d as .zst each, %d bytes after compact --delta (goal: at most %d)\n",
		len(bs[0].Data), plain, zstd, after, 256<<10)
	out, err := b.hatch(root, "list", "--host", "claude-code", "--json").Output()
	if err != nil {
		return err
	}
	var list []struct {
		Timestamp   string `json:"timestamp"`
		Compression string `json:"compression"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return err
	}
	oldest, newest := list[len(list)-1], list[0]
	const show = "show of the plain newest (baseline)"
	return b.measureTogether(
		timed{show, "", func(int) *exec.Cmd {
			return b.hatch(root, "show", "--host", "claude-code", "--timestamp", newest.Timestamp)
		}},
		timed{"show of the oldest (" + oldest.Compression + ")", show, func(int) *exec.Cmd {
			return b.hatch(root, "show", "--host", "claude-code", "--timestamp", oldest.Timestamp)
		}},
	)
}

// du is the bytes of the files under dir.
func du(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		n += fi.Size()
		return err
	})
	return n, err
}
