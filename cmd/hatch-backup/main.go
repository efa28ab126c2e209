// Command hatch-backup keeps versioned, verified backups of the config files
// of MCP hosts (Claude Desktop, VS Code, Cursor, ...). See README.md and
// the "hatch-backup help" output for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
