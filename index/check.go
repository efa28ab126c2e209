package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxFindings bounds how many problems Check reports one by one.
const maxFindings = 20

// Check runs bbolt's consistency check; ErrCorrupt on any finding.
//
// It also checks what bbolt cannot know: the file holds every page its
// meta page claims, the buckets are those of the index's schema, every
// record decodes (its path id included), and the paths bucket maps ids and
// paths one to one. On an index not yet migrated to schema 3 it checks
// that the time bucket and the host buckets list the same records. It
// reads the whole index.
func (db *DB) Check() error {
	if err := db.checkSize("check"); err != nil {
		return err
	}
	var findings []error
	err := db.view("check", func(tx *bolt.Tx) error {
		// Every page is read: without this, the whole index would stay
		// resident in this process.
		defer db.releaseWhile(tx)()
		for err := range tx.Check() {
			findings = append(findings, err)
		}
		if len(findings) == 0 { // a layout check on broken pages would only panic
			findings = checkLayout(tx, func() {})
		}
		return nil
	})
	return db.findings(err, findings)
}

// CheckLayout is Check without bbolt's own check of the pages: for an
// index this process has just built (reindex), whose pages bbolt wrote a
// moment ago. It decodes every record, as Check does, and lets the
// kernel drop the index's pages as it goes (see releasePages), so that a
// check of 1,000,000 records does not keep the whole index resident:
// bbolt's check reads every page in a goroutine of its own, with no hook
// between pages.
func (db *DB) CheckLayout() error {
	if err := db.checkSize("check"); err != nil {
		return err
	}
	var findings []error
	err := db.view("check", func(tx *bolt.Tx) error {
		n := 0
		findings = checkLayout(tx, func() {
			if n++; n%releaseEvery == 0 {
				releasePages(db.bolt, tx)
			}
		})
		releasePages(db.bolt, tx)
		return nil
	})
	return db.findings(err, findings)
}

// findings is the error of a check that found findings, or err.
func (db *DB) findings(err error, findings []error) error {
	if err != nil || len(findings) == 0 {
		return err
	}
	if n := len(findings); n > maxFindings {
		findings = append(findings[:maxFindings], fmt.Errorf("and %d more", n-maxFindings))
	}
	return failure("check", db.path, ErrCorrupt, errors.Join(findings...))
}

// checkLayout checks the buckets against the schema and decodes every
// record; step is called after each record and path.
func checkLayout(tx *bolt.Tx, step func()) (findings []error) {
	schema, err := readSchema(tx)
	if err != nil {
		findings = append(findings, err)
	}
	hosts, paths, err := layout(tx)
	if err != nil {
		return append(findings, err)
	}
	if hosts == nil {
		return findings
	}
	times := tx.Bucket([]byte(BucketTime))
	switch {
	case schema >= 3 && paths == nil:
		findings = append(findings, corrupt("schema %d without bucket %q", schema, BucketPaths))
	case schema >= 3 && times != nil:
		findings = append(findings, corrupt("schema %d still has bucket %q", schema, BucketTime))
	case schema < 3 && times == nil:
		findings = append(findings, corrupt("schema %d without bucket %q", schema, BucketTime))
	}
	if paths != nil {
		findings = append(findings, checkPaths(paths, step)...)
	}
	findings = append(findings, checkRecords(hosts, newPathReader(paths, true), step)...)
	if times != nil && schema < 3 {
		findings = append(findings, checkTimes(hosts, times)...)
	}
	return findings
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// checkRecords decodes every record of every host.
func checkRecords(hosts *bolt.Bucket, paths *pathReader, step func()) (findings []error) {
	_ = hosts.ForEach(func(name, _ []byte) error {
		hb := hosts.Bucket(name)
		if hb == nil {
			findings = append(findings, corrupt("hosts holds a value %q, not a bucket", name))
			return nil
		}
		return hb.ForEach(func(k, v []byte) error {
			if _, err := decodeRecord(string(name), k, v, paths); err != nil {
				findings = append(findings, err)
			}
			step()
			return nil
		})
	})
	return findings
}

// checkPaths: every id maps to a valid path that maps back to it, every
// path to an id that maps back to it, and no id is beyond the sequence
// (the next path would take it).
func checkPaths(paths *bolt.Bucket, step func()) (findings []error) {
	seq := paths.Sequence()
	_ = paths.ForEach(func(k, v []byte) error {
		step()
		if isIDKey(k) {
			findings = append(findings, checkPathID(paths, seq, k, v)...)
		} else if len(v) != 8 || !bytes.Equal(paths.Get(v), k) {
			findings = append(findings, corrupt("paths bucket: path %q has id %x, which does not map back to it", k, v))
		}
		return nil
	})
	return findings
}

func checkPathID(paths *bolt.Bucket, seq uint64, k, v []byte) []error {
	if len(k) != 8 || v == nil {
		return []error{corrupt("paths bucket: key %x is neither an id nor a path", k)}
	}
	id := binary.BigEndian.Uint64(k)
	switch {
	case id == 0 || id > seq:
		return []error{corrupt("paths bucket: id %d is 0 or beyond the sequence %d", id, seq)}
	case badPath(v) != "":
		return []error{corrupt("paths bucket: id %d: %s", id, badPath(v))}
	case !bytes.Equal(paths.Get(v), k):
		return []error{corrupt("paths bucket: id %d's path does not map back to it", id)}
	}
	return nil
}

// checkTimes compares an unmigrated index's time bucket with its host
// buckets, both ways.
func checkTimes(hosts, times *bolt.Bucket) (findings []error) {
	_ = hosts.ForEachBucket(func(name []byte) error {
		return hosts.Bucket(name).ForEach(func(k, _ []byte) error {
			if times.Get(append(bytes.Clone(k), name...)) == nil {
				findings = append(findings, corrupt("record %x of host %q is missing from the time bucket", k, name))
			}
			return nil
		})
	})
	_ = times.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			findings = append(findings, corrupt("time bucket key %x has no host", k))
		} else if hb := hosts.Bucket(k[8:]); hb == nil || hb.Get(k[:8]) == nil {
			findings = append(findings, corrupt("time bucket lists %q at %x, its host bucket does not", k[8:], k[:8]))
		}
		return nil
	})
	return findings
}
