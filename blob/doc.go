// Package blob turns backups into bytes and names: it formats and parses
// backup file names and their timestamps, validates host names, compresses
// and decompresses backup contents with zstd, and computes the SHA-256 that
// identifies a backup's original bytes.
//
// It is a leaf: bytes and strings in, bytes and strings out. It opens no
// file, takes no lock and keeps no state beyond one shared zstd encoder and
// one shared zstd decoder, both created on first use and safe for concurrent
// callers.
//
// # Names
//
// This program names a backup "mcp.json.<host>.<timestamp>", plus ".zst"
// when compressed. ParseName also accepts the names the Python Hatch tool
// wrote, so their folders can be adopted as they are:
//
//	<file>.<host>.<timestamp>                 e.g. settings.json.gemini.20250921_100000_123456
//	mcp.json.MCPHostType.<HOST>.<timestamp>   e.g. mcp.json.MCPHostType.CLAUDE_DESKTOP.20250921_100000_123456
//
// Every name ParseName accepts formats back to itself: ParseName(n.String())
// returns n. The timestamp is kept as the exact string of the name.
//
// # Guarantees
//
//   - ParseTimestamp accepts only YYYYMMDD_HHMMSS_ffffff with real calendar
//     values; FormatTimestamp writes that form (microseconds truncated, not
//     rounded), and the two round-trip for every time in years 1-9999.
//   - ValidateHost accepts only [a-z][a-z0-9]*(-[a-z0-9]+)*, at most 64
//     bytes, so a host is always safe as a single path element.
//   - Every error wraps one of the package's sentinel errors and quotes the
//     value at fault with %q, so control characters and look-alikes print
//     escaped.
//   - Decompress never returns more than its limit, and never allocates much
//     more than that limit to find out (see Decompress).
//
// # What it does not do
//
//   - It does not know which hosts exist: ValidateHost checks syntax only.
//     ParseName cannot tell where a Python Hatch <file> ends and the host
//     begins other than at the last dot, so "settings.json.<timestamp>"
//     parses as file "settings", host "json"; callers must check the host
//     against the hosts they support.
//   - It refuses every name that starts with '.', since temp files do. A
//     Python Hatch "<file>.<host>.<timestamp>" backup of a dotfile config
//     (".claude.json") would be refused with them; Python Hatch's own code
//     names its backups "mcp.json.<host>.<timestamp>", so none is expected.
//   - It does not prove that decompressed bytes are the bytes that were
//     backed up. zstd's own checksum (xxhash of the content, inside the frame)
//     only shows that a frame is internally consistent: a valid frame of other
//     content swapped into the file passes it. That is why callers keep Sum of
//     the original bytes and compare it after Decompress.
//   - It does not stream: Compress and Decompress hold the whole input and
//     output in memory. Backups are config files, kilobytes to a few
//     megabytes.
package blob
