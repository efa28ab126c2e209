// Package fakestore fills a backup root with many backups fast, for tests
// and benchmarks: plain files written with os.WriteFile (no fsync) and
// their index records added in one transaction. The result is a store like
// one create made, minus the durability, which tests of clean, compact and
// their crash suites do not need from their setup.
package fakestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"time"

	"hatch-backup/blob"
	"hatch-backup/index"
	"hatch-backup/migrations"
)

// The store's modes (store.DirMode, store.FileMode); this package cannot
// import store, whose own tests use it.
const (
	dirMode  = 0o700
	fileMode = 0o600
)

// Backup is one backup to make: Host at Created holding Data.
type Backup struct {
	Host    string
	Created time.Time
	Data    []byte
}

// Populate adds the backups to the store at root (created if needed, with
// the index layout of the latest schema),
// naming them in loc as create would, and returns their records in order.
// Created is truncated to microseconds; two backups of a host at the same
// instant are an error (index.ErrExists).
func Populate(root string, loc *time.Location, backups []Backup) ([]index.Record, error) {
	if err := os.MkdirAll(root, dirMode); err != nil {
		return nil, err
	}
	lock, err := index.AcquireLock(filepath.Join(root, "lock"), true, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	records := make([]index.Record, len(backups))
	for i, b := range backups {
		if records[i], err = write(root, loc, b); err != nil {
			return nil, err
		}
	}
	db, err := index.Open(filepath.Join(root, "index.db"), index.Options{Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	if _, err := migrations.Up(db); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return records, errors.Join(db.PutMany(records), db.Close())
}

// write writes one plain backup file and returns its record.
func write(root string, loc *time.Location, b Backup) (index.Record, error) {
	created := b.Created.UTC().Truncate(time.Microsecond)
	ts := blob.FormatTimestamp(created.In(loc))
	name := blob.NewName(b.Host, ts, false).String()
	dir := filepath.Join(root, b.Host)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return index.Record{}, err
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Data, fileMode); err != nil {
		return index.Record{}, fmt.Errorf("fakestore: %w", err)
	}
	return index.Record{
		Host: b.Host, Timestamp: ts, Created: created, File: path.Join(b.Host, name),
		StoredSize: int64(len(b.Data)), OriginalSize: int64(len(b.Data)),
		OriginalPath: "/home/user/" + b.Host + ".json", SHA256: blob.Sum(b.Data),
	}, nil
}

// Snapshot maps every path under dir to its mode, modification time and
// content: two equal snapshots mean a bit-identical tree.
func Snapshot(dir string) (map[string]string, error) {
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		content := ""
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			content = string(b)
		}
		mtime := fi.ModTime().UnixNano()
		if runtime.GOOS == "windows" && d.Name() == "index.db" {
			// bbolt truncates its file to the mapping's size at every
			// read-write open on Windows, which moves the mtime even when
			// no byte changes: there, the bytes alone are compared.
			mtime = 0
		}
		snap[p] = fmt.Sprintf("%v %d %q", fi.Mode(), mtime, content)
		return nil
	})
	return snap, err
}
