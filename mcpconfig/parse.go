package mcpconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/tailscale/hujson"
)

// The config formats of the host table.
const (
	FormatJSON  = "json"
	FormatJSONC = "jsonc" // JSON with comments and trailing commas
	FormatTOML  = "toml"
	FormatYAML  = "yaml"
)

var (
	// ErrUnknownFormat is returned by Parse and Servers for a format other
	// than json, jsonc, toml and yaml.
	ErrUnknownFormat = errors.New("unknown config format")
	// ErrNotObject is returned by Servers when a config parses but its top
	// is not an object (a table in TOML).
	ErrNotObject = errors.New("config is not an object at the top")
)

// ParseError says where a config failed to parse in its format. Its message
// names the format and the position, never the content: configs hold keys.
type ParseError struct {
	Format       string
	Line, Column int // 1-based; 0 when the parser did not say
}

func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("does not parse as %s", e.Format)
	}
	return fmt.Sprintf("does not parse as %s at line %d, column %d", e.Format, e.Line, e.Column)
}

// Position is "line L, column C", or "" when unknown.
func (e *ParseError) Position() string {
	if e.Line == 0 {
		return ""
	}
	return fmt.Sprintf("line %d, column %d", e.Line, e.Column)
}

// Parse parses data in format and returns its tree (maps, slices, strings,
// json.Number for JSON and YAML integers, TOML's own types for TOML). A syntax error
// is a *ParseError; an unknown format is ErrUnknownFormat.
func Parse(format string, data []byte) (any, error) {
	switch format {
	case FormatJSON:
		return parseJSON(format, data)
	case FormatJSONC:
		std, err := Standardize(data)
		if err != nil {
			pe := &ParseError{Format: format}
			fmt.Sscanf(err.Error(), "hujson: line %d, column %d:", &pe.Line, &pe.Column)
			if pe.Line > 1+bytes.Count(data, []byte("\n")) {
				// The end of the newline Standardize adds: the end of data.
				pe.Line, pe.Column = lineColumn(data, int64(len(data)))
			}
			return nil, pe
		}
		// Standardize keeps every byte offset, so positions stay true; its
		// added newline goes, so that an error at the end is not placed on
		// a line past it.
		return parseJSON(format, std[:len(std)-1])
	case FormatTOML:
		var tree map[string]any
		if _, err := toml.Decode(string(data), &tree); err != nil {
			pe := &ParseError{Format: format}
			var te toml.ParseError
			if errors.As(err, &te) {
				pe.Line, pe.Column = te.Position.Line, te.Position.Col
			}
			return nil, pe
		}
		return tree, nil
	case FormatYAML:
		return parseYAML(data)
	}
	return nil, fmt.Errorf("format %q: %w: want json, jsonc, toml or yaml", format, ErrUnknownFormat)
}

// Standardize turns JSONC into JSON (comments and trailing commas become
// spaces, so byte offsets stay true), or fails as hujson does. The result
// has one more byte, a newline at the end.
func Standardize(data []byte) ([]byte, error) {
	// hujson wants a line comment to end in a newline; editors do not.
	return hujson.Standardize(append(bytes.Clone(data), '\n'))
}

func parseJSON(format string, data []byte) (any, error) {
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		pe := &ParseError{Format: format}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read, the offending one included.
			pe.Line, pe.Column = lineColumn(data, max(se.Offset-1, 0))
		}
		return nil, pe
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // numbers compare exactly in server summaries
	if err := dec.Decode(&tree); err != nil {
		return nil, &ParseError{Format: format}
	}
	return tree, nil
}

// lineColumn is the 1-based line and column of byte offset off in data.
func lineColumn(data []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = 1 + len(before) - (bytes.LastIndexByte(before, '\n') + 1)
	return line, col
}
