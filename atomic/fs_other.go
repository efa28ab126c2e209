//go:build !linux && !darwin && !windows

package atomic

// renameNoReplace has no kernel primitive to rely on here: link + unlink.
func renameNoReplace(oldpath, newpath string) error {
	return linkNoReplace(oldpath, newpath)
}
