package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) compactCommand() *cli.Command {
	return &cli.Command{
		Name:  "compact",
		Usage: "compress old backups and shrink the index",
		Description: `Compresses the plain backups created more than N x 24 h ago
(--compress-older-than-days N; default 0: every plain backup) to zstd
(name + .zst), one at a time and crash-safely: the .zst file is written
durably and checked to decode to the backup's sha256 before the index
points at it, and only then is the plain file removed. Then rewrites the
index file to its minimal size (a copy, fsynced, renamed over index.db
under the store lock). Backups adopted from Python Hatch keep their names
and stay plain. The newest backup of each host and config path always
stays a plain file (Python Hatch and people read it).

With --delta, old backups are stored as zstd deltas instead (name +
.delta): a zstd frame whose dictionary is the bytes of a newer backup of
the same config (its base), as zstd --patch-from makes them, kept only
when smaller than the .zst. Any backup reads back in at most 16 decode
steps, each checked against the index's sha256. A .delta decodes with
the reference tool: zstd -d --patch-from=BASE FILE.

Restore, show and verify read every form alike.

Examples:
  hatch-backup compact
  hatch-backup compact --compress-older-than-days 30 --json
  hatch-backup compact --delta`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "compress-older-than-days", Usage: "compress plain backups created more than `N` x 24 h ago (0: all)"},
			&cli.BoolFlag{Name: "delta", Usage: "store old backups as zstd deltas against a newer backup of the same config"},
		},
		Action: a.compact,
	}
}

// compactJSON is compact's --json output.
type compactJSON struct {
	Compressed       []backupJSON  `json:"compressed"`
	Deltas           []backupJSON  `json:"deltas"`
	BytesBefore      int64         `json:"bytes_before"`
	BytesAfter       int64         `json:"bytes_after"`
	Kept             []verdictJSON `json:"kept"`
	PlainBytes       int64         `json:"plain_bytes"`
	ZstdBytes        int64         `json:"zstd_bytes"`
	LeftoversRemoved int           `json:"leftovers_removed"`
	IndexBytesBefore int64         `json:"index_bytes_before"`
	IndexBytesAfter  int64         `json:"index_bytes_after"`
}

func (a *app) compact(c *cli.Context) (err error) {
	interruptible(c.Context)
	if err := noArgs(c, "--compress-older-than-days N"); err != nil {
		return err
	}
	days := c.Int("compress-older-than-days")
	if days < 0 {
		return usagef("--compress-older-than-days %d: must be 0 or more", days)
	}
	s, err := a.open(c, false)
	if err != nil {
		return err
	}
	defer closeStore(s, &err)
	res, err := s.Compact(c.Context, store.CompactOptions{CompressOlderThanDays: days, Delta: c.Bool("delta"), Progress: a.progress("compact")})
	if err != nil {
		// What was done stays done: say so beside the error (which counts
		// it too, for --json).
		n := len(res.Compressed) + len(res.Deltas)
		if n == 0 {
			return err
		}
		if !a.json {
			fmt.Fprintf(a.stdout, "compressed before the failure: %d (%d bytes -> %d bytes)\n", n, res.BytesBefore, res.BytesAfter)
		}
		return &keptWork{done: fmt.Sprintf("%d backups were compressed (each one complete and indexed)", n), err: err}
	}
	if a.json {
		out := compactJSON{
			Compressed: make([]backupJSON, len(res.Compressed)), Kept: verdictsJSON(res.Kept),
			Deltas: make([]backupJSON, len(res.Deltas)), BytesBefore: res.BytesBefore, BytesAfter: res.BytesAfter,
			PlainBytes: res.PlainBytes, ZstdBytes: res.ZstdBytes, LeftoversRemoved: res.Leftovers,
			IndexBytesBefore: res.IndexBefore, IndexBytesAfter: res.IndexAfter,
		}
		for i, b := range res.Compressed {
			out.Compressed[i] = toJSON(b)
		}
		for i, b := range res.Deltas {
			out.Deltas[i] = toJSON(b)
		}
		return a.writeJSON(out)
	}
	if c.Bool("delta") {
		fmt.Fprintf(a.stdout, "compressed %d backups, stored %d as deltas: %d bytes -> %d bytes\n", len(res.Compressed), len(res.Deltas), res.BytesBefore, res.BytesAfter)
	} else {
		fmt.Fprintf(a.stdout, "compressed %d backups: %d bytes -> %d bytes\n", len(res.Compressed), res.PlainBytes, res.ZstdBytes)
	}
	if len(res.Kept) > 0 {
		fmt.Fprintf(a.stdout, "left %d adopted backups plain (their names never change)\n", len(res.Kept))
	}
	if res.Leftovers > 0 {
		fmt.Fprintf(a.stdout, "removed %d plain copies left by an interrupted compact\n", res.Leftovers)
	}
	_, err = fmt.Fprintf(a.stdout, "index: %d bytes -> %d bytes\n", res.IndexBefore, res.IndexAfter)
	return err
}
