package atomic

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hatch-backup/hatch-backup/internal/tempname"
)

// tempAttempts bounds the draws of a free temp name.
const tempAttempts = 100

// createTemp creates a new temp file for base in dir, mode 0600. O_EXCL
// makes a planted file or symlink at the chosen name fail instead of being
// followed; a taken name (practically never) just means another draw.
func createTemp(fsys FS, dir, base string) (File, error) {
	for i := 1; ; i++ {
		name := filepath.Join(dir, tempname.Name(base))
		f, err := fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil || !errors.Is(err, fs.ErrExist) || i == tempAttempts {
			return f, err
		}
	}
}
