package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/BurntSushi/toml"
	"github.com/tailscale/hujson"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/jsonsyntax"
)

// The config formats of the host table.
const (
	FormatJSON  = "json"
	FormatJSONC = "jsonc" // JSON with comments and trailing commas
	FormatTOML  = "toml"
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

// ParseConfig parses data in format and returns its tree (maps, slices,
// strings, numbers, bools; TOML dates as time values). A syntax error is a
// *ParseError; an unknown format is ErrInvalid.
func ParseConfig(format string, data []byte) (any, error) {
	switch format {
	case FormatJSON:
		return parseJSON(format, data)
	case FormatJSONC:
		// hujson wants a line comment to end in a newline; editors do not.
		std, err := hujson.Standardize(append(bytes.Clone(data), '\n'))
		if err != nil {
			pe := &ParseError{Format: format}
			fmt.Sscanf(err.Error(), "hujson: line %d, column %d:", &pe.Line, &pe.Column)
			return nil, pe
		}
		// Standardize keeps every byte offset, so positions stay true.
		return parseJSON(format, std)
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
	}
	return nil, fmt.Errorf("format %q: %w: want json, jsonc or toml", format, ErrInvalid)
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

// checkParse parses a config being backed up in its host's format. An
// unparsable one is still backed up, byte for byte, with a notice that
// names the path and the position, never the content.
func (s *Store) checkParse(host, path string, data []byte) index.ParseStatus {
	st, err := parseHost(host, data)
	if err != nil {
		s.log.Warn(fmt.Sprintf("warning: config %s %v; backed up as it is", path, err))
	}
	return st
}

// parseStatus is checkParse without the notice (adopted files).
func parseStatus(host string, data []byte) index.ParseStatus {
	st, _ := parseHost(host, data)
	return st
}

func parseHost(host string, data []byte) (index.ParseStatus, error) {
	h, err := LookupHost(host)
	if err != nil {
		return index.ParseUnknown, nil
	}
	if err := checkSyntax(h.Format, data); err != nil {
		return index.Unparsable, err
	}
	return index.Parsed, nil
}

// checkSyntax is ParseConfig without the tree: whether data parses in
// format, which is all create and adoption need. JSON and JSONC are
// checked in one pass that allocates nothing (jsonsyntax: the answer of
// encoding/json.Valid, at half its cost or less); only a config that
// fails is parsed again, to say where.
func checkSyntax(format string, data []byte) error {
	switch format {
	case FormatJSON:
		if jsonsyntax.Valid(data) {
			return nil
		}
	case FormatJSONC:
		if std, err := hujson.Standardize(append(bytes.Clone(data), '\n')); err == nil && jsonsyntax.Valid(std) {
			return nil
		}
	}
	_, err := ParseConfig(format, data)
	return err
}
