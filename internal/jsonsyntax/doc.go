// Package jsonsyntax answers one question fast: is this RFC 8259 JSON?
//
// Valid gives exactly encoding/json.Valid's answer (a fuzz test compares
// the two on every input) without allocating, about twice as fast on a
// dense config and over ten times on one padded with runs of spaces
// (BenchmarkValid): create and reindex check the syntax of every config
// they back up or adopt, and on a reindex of 100,000 backups
// encoding/json's scanner, which calls a function per byte and stores it
// in a heap object, was a third of the work.
//
// Like encoding/json.Valid it checks the grammar and nothing else:
//   - string contents are bytes, not UTF-8: invalid UTF-8 and U+2028 in a
//     string are accepted, control characters below 0x20 are not, and
//     \u escapes are four hex digits, lone surrogates included;
//   - a byte order mark, comments, trailing commas, NaN and anything after
//     the value but whitespace (space, tab, CR, LF) make it invalid;
//   - nesting deeper than 10,000 arrays and objects is invalid.
//
// It does not build a tree, report where the input went wrong (parse
// again with encoding/json for that), check for duplicate keys, or read
// JSONC (standardize it first).
package jsonsyntax
