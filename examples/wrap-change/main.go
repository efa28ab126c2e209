// Command wrap-change shows how a Go program wraps its own change of an MCP
// host's config in a hatch-backup backup, the way an installer would: the
// config is backed up, the change is made, and a change that fails is
// rolled back to the backup (Python Hatch calls this a
// BackupAwareOperation).
//
// It adds one stdio MCP server to a JSON config's "mcpServers":
//
//	wrap-change --root /tmp/store --host cursor --config ~/.cursor/mcp.json \
//	    --server fetch --command uvx --arg mcp-server-fetch
//
// A server of that name already there is an error: the config is rolled
// back, byte for byte, and the backup stays in the store.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/hatch-backup/hatch-backup/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wrap-change:", err)
		os.Exit(1)
	}
}

type argList []string

func (a *argList) String() string     { return strings.Join(*a, " ") }
func (a *argList) Set(v string) error { *a = append(*a, v); return nil }

func run(ctx context.Context, argv []string) error {
	fs := flag.NewFlagSet("wrap-change", flag.ContinueOnError)
	root := fs.String("root", "", "hatch-backup's backup root")
	host := fs.String("host", "", "the MCP host whose config this is (cursor, vscode, ...)")
	config := fs.String("config", "", "the config file to change")
	server := fs.String("server", "", "name of the MCP server to add")
	command := fs.String("command", "", "the server's command")
	var args argList
	fs.Var(&args, "arg", "an argument of the server's command (repeatable)")
	if err := fs.Parse(argv); err != nil {
		return err
	}
	if *root == "" || *host == "" || *config == "" || *server == "" || *command == "" {
		return errors.New("--root, --host, --config, --server and --command are required")
	}

	s, err := store.Open(ctx, store.Options{Root: *root})
	if err != nil {
		return err
	}
	defer s.Close()

	// Modify backs the config up, runs the change, and puts the backup
	// back if the change fails. The store lock is held throughout.
	res, err := s.Modify(ctx, *host, *config, false, func(ctx context.Context) error {
		return addServer(*config, *server, *command, args)
	})
	if res != nil {
		fmt.Printf("backed up %s as %s\n", *config, res.Backup.Timestamp)
	}
	if err != nil {
		return fmt.Errorf("change rolled back: %w", err)
	}
	fmt.Printf("added MCP server %q to %s\n", *server, *config)
	return nil
}

// addServer is the caller's own change: it rewrites the whole file, as
// installers do. It writes before it checks for a duplicate name, so that
// a refused change shows the rollback at work.
func addServer(path, name, command string, args []string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s is not JSON: %w", path, err)
	}
	servers, _ := doc["mcpServers"].(map[string]any)
	if servers == nil {
		servers = map[string]any{}
	}
	_, existed := servers[name]
	servers[name] = map[string]any{"command": command, "args": args}
	doc["mcpServers"] = servers
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(out, '\n'), 0o600); err != nil {
		return err
	}
	if existed {
		return fmt.Errorf("a server named %q is already in %s", name, path)
	}
	return nil
}
