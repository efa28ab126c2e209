package mcpconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/goccy/go-yaml"
)

// YAML is read with github.com/goccy/go-yaml: maintained (v1.19.2,
// January 2026), pure Go, tested against the YAML test suite and fuzzed,
// and its errors carry the token's line and column, which the parse
// warning shows. gopkg.in/yaml.v3 is archived, and its maintained fork
// go.yaml.in/yaml/v3 reports the line only. Only this package imports it.

// yamlNodeBudget caps the nodes a YAML tree may expand to, per input
// byte: aliases let a few hundred bytes stand for billions of nodes
// ("billion laughs"), which walking the tree (masking, server summaries)
// would then visit one by one.
const yamlNodeBudget = 64

// errYAMLTooLarge is a tree whose aliases expand past yamlNodeBudget.
var errYAMLTooLarge = errors.New("yaml aliases expand too far")

// parseYAML parses the first document of data into the tree that Parse
// returns for JSON: maps with string keys, []any, strings, json.Number for
// integers, float64, bools and nil. An empty document is an empty map. A
// syntax error is a *ParseError with the parser's line and column.
func parseYAML(data []byte) (tree any, err error) {
	defer func() {
		// A parser bug must not take down a diff or a backup: the text is
		// then "does not parse", as for any other damage.
		if recover() != nil {
			tree, err = nil, &ParseError{Format: FormatYAML}
		}
	}()
	var raw any
	if err := yaml.Unmarshal(data, &raw); err != nil {
		pe := &ParseError{Format: FormatYAML}
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil && ye.GetToken().Position != nil {
			pe.Line, pe.Column = ye.GetToken().Position.Line, ye.GetToken().Position.Column
		}
		return nil, pe
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	budget := yamlNodeBudget*len(data) + 1024
	out, err := normalizeYAML(raw, &budget)
	if err != nil {
		return nil, &ParseError{Format: FormatYAML}
	}
	return out, nil
}

// normalizeYAML copies v into Parse's tree types, spending one unit of
// budget per node.
func normalizeYAML(v any, budget *int) (any, error) {
	if *budget--; *budget < 0 {
		return nil, errYAMLTooLarge
	}
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			n, err := normalizeYAML(x, budget)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			n, err := normalizeYAML(x, budget)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			n, err := normalizeYAML(x, budget)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case uint64:
		return json.Number(strconv.FormatUint(v, 10)), nil
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), nil
	case int:
		return json.Number(strconv.Itoa(v)), nil
	case uint:
		return json.Number(strconv.FormatUint(uint64(v), 10)), nil
	case string, bool, float64, nil:
		return v, nil
	}
	// Timestamps and anything else the decoder may produce: as text, so
	// that the tree stays JSON.
	return fmt.Sprint(v), nil
}
