// Command hatch-backup keeps versioned, verified backups of the config files
// of MCP hosts (Claude Desktop, VS Code, Cursor, ...). See README.md and
// the "hatch-backup help" output for the commands.
package main

import "os"

func main() {
	ctx := newSignalContext()
	code := run(ctx, os.Args, os.Stdout, os.Stderr, os.Getenv)
	ctx.stop()
	os.Exit(code)
}
