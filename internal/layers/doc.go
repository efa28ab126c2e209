// Package layers has no code: its test holds the import rules of the
// project's layering (STYLE.md, "Layers") and fails on any import, in code
// or in tests, that breaks them. restic checks the same kind of rules with
// depguard; here `go list` gives the imports and a table gives the rules.
package layers
