package atomic

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsSpeakOfFiles: an error names the operation and the path, not
// this package: the CLI prints it to a user as it is.
func TestErrorsSpeakOfFiles(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no", "such", "mcp.json")
	for name, err := range map[string]error{
		"WriteNew":    WriteNew(OS(), missing, []byte("x"), 0o600),
		"ReplaceFile": ReplaceFile(OS(), missing, []byte("x"), 0o600),
	} {
		if err == nil {
			t.Fatalf("%s into a missing folder succeeded", name)
		}
		if msg := err.Error(); strings.Contains(msg, "atomic") || !strings.Contains(msg, filepath.Dir(missing)) {
			t.Errorf("%s: %q should name the path and not the package", name, msg)
		}
	}
}
