// Package mcpconfig reads the bytes of an MCP host's config in its format
// (JSON, JSONC, TOML or YAML): whether it parses and where not (Parse), its MCP
// server entries (Servers, DiffServers), and its text with every secret
// masked (Mask, MaskPair).
//
// It knows formats, not files: it reads no file, writes none, and knows
// nothing of backups or the store. Errors and ParseError name a format and
// a position, never content: configs hold API keys.
//
// Masking guarantees, whatever the input (valid, damaged, not a config at
// all): it never fails or panics; the output has the same lines as the
// input (a masked diff still shows what changed where); and every secret
// of 4 bytes or more that the document holds in a secret position is
// absent from the output wherever its text appeared: in its own value,
// repeated in another value, in a comment, or line by line in a
// multi-line string (a shorter one is masked in its own position only,
// as masking "on" everywhere would wreck the text and hide nothing).
// Secret positions are found by parsing where the text parses, else by a
// token scan that tolerates errors; the shapes of API keys, URL
// passwords, secret query parameters and secret flags are masked in both
// cases. It does not promise to find a secret that is neither in a secret
// position nor shaped like one (a password pasted into a server's name
// is shown), and it masks some values that are not secrets (anything
// under env, a value that equals a secret).
package mcpconfig
