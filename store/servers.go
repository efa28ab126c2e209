package store

import (
	"errors"
	"fmt"

	"github.com/hatch-backup/hatch-backup/mcpconfig"
)

// ServerChange is one MCP server that differs between two configs. It
// carries the server's name only, never its definition.
type ServerChange = mcpconfig.ServerChange

// Servers parses data in h's format and returns its MCP servers: each
// name with its definition in canonical JSON (for comparison only; it holds
// secrets and is never printed). Project servers of claude-code are named
// "<name> (project <path>)". A syntax error is a *ParseError; a top that
// is not an object is ErrInvalid.
func (h Host) Servers(data []byte) (map[string]string, error) {
	out, err := mcpconfig.Servers(h.layout(), data)
	if errors.Is(err, mcpconfig.ErrNotObject) || errors.Is(err, mcpconfig.ErrUnknownFormat) {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return out, err
}

// layout is where h keeps its servers, for mcpconfig.
func (h Host) layout() mcpconfig.Layout {
	return mcpconfig.Layout{Format: h.Format, ServersKey: h.ServersKey, ProjectsKey: h.ProjectsKey}
}

// DiffServers lists the servers added, removed or changed from before to
// after, by name.
func DiffServers(before, after map[string]string) []ServerChange {
	return mcpconfig.DiffServers(before, after)
}
