package storegen

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Snapshot maps every path under dir to its mode, modification time and
// content: two equal snapshots mean a bit-identical tree.
func Snapshot(dir string) (map[string]string, error) {
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		content := ""
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			content = string(b)
		}
		mtime := fi.ModTime().UnixNano()
		if runtime.GOOS == "windows" && d.Name() == "index.db" {
			// bbolt truncates its file to the mapping's size at every
			// read-write open on Windows, which moves the mtime even when
			// no byte changes: there, the bytes alone are compared.
			mtime = 0
		}
		snap[p] = fmt.Sprintf("%v %d %q", fi.Mode(), mtime, content)
		return nil
	})
	return snap, err
}
