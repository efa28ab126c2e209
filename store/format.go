package store

import (
	"errors"
	"fmt"

	"github.com/hatch-backup/hatch-backup/index"
	"github.com/hatch-backup/hatch-backup/internal/jsonsyntax"
	"github.com/hatch-backup/hatch-backup/mcpconfig"
)

// The config formats of the host table.
const (
	FormatJSON  = mcpconfig.FormatJSON
	FormatJSONC = mcpconfig.FormatJSONC // JSON with comments and trailing commas
	FormatTOML  = mcpconfig.FormatTOML
	FormatYAML  = mcpconfig.FormatYAML
)

// ParseError says where a config failed to parse in its format. Its message
// names the format and the position, never the content: configs hold keys.
type ParseError = mcpconfig.ParseError

// ParseConfig parses data in format and returns its tree (maps, slices,
// strings, numbers, bools; TOML dates as time values). A syntax error is a
// *ParseError; an unknown format is ErrInvalid.
func ParseConfig(format string, data []byte) (any, error) {
	tree, err := mcpconfig.Parse(format, data)
	if errors.Is(err, mcpconfig.ErrUnknownFormat) {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return tree, err
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
		if std, err := mcpconfig.Standardize(data); err == nil && jsonsyntax.Valid(std) {
			return nil
		}
	}
	_, err := ParseConfig(format, data)
	return err
}
