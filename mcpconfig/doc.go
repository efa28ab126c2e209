// Package mcpconfig reads the bytes of an MCP host's config in its format
// (JSON, JSONC or TOML): whether it parses and where not (Parse), its MCP
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
// the parsed document holds (see Secrets) is absent from the output,
// wherever its text appeared: in its own value, repeated in another value,
// in a comment, or line by line in a multi-line string. Where the text
// does not parse, masking falls back to a token scan that tolerates errors
// plus the shapes of keys, URL passwords, secret query parameters and
// secret flags. It does not promise to find a secret that is neither in a
// secret position nor shaped like one (a password pasted into a server's
// name is shown).
package mcpconfig
