package index

import (
	"bytes"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// maxFindings bounds how many problems Check reports one by one.
const maxFindings = 20

// Check runs bbolt's consistency check; ErrCorrupt on any finding.
//
// It also checks what bbolt cannot know: the file holds every page its
// meta page claims, every record decodes, and the time bucket and the host
// buckets list exactly the same records. It reads the whole index.
func (db *DB) Check() error {
	if err := db.checkSize("check"); err != nil {
		return err
	}
	var findings []error
	err := db.view("check", func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			findings = append(findings, err)
		}
		if len(findings) == 0 { // a layout check on broken pages would only panic
			findings = checkLayout(tx)
		}
		return nil
	})
	if err != nil || len(findings) == 0 {
		return err
	}
	if n := len(findings); n > maxFindings {
		findings = append(findings[:maxFindings], fmt.Errorf("and %d more", n-maxFindings))
	}
	return failure("check", db.path, ErrCorrupt, errors.Join(findings...))
}

// checkLayout compares the host buckets with the time bucket, both ways,
// and decodes every record.
func checkLayout(tx *bolt.Tx) (findings []error) {
	if _, err := readSchema(tx); err != nil {
		findings = append(findings, err)
	}
	hosts, times, err := layout(tx)
	if err != nil {
		return append(findings, err)
	}
	if hosts == nil {
		return findings
	}
	_ = hosts.ForEach(func(name, _ []byte) error {
		hb := hosts.Bucket(name)
		if hb == nil {
			findings = append(findings, fmt.Errorf("%w: hosts holds a value %q, not a bucket", ErrCorrupt, name))
			return nil
		}
		return hb.ForEach(func(k, v []byte) error {
			if _, err := decodeRecord(string(name), k, v); err != nil {
				findings = append(findings, err)
			} else if times.Get(append(bytes.Clone(k), name...)) == nil {
				findings = append(findings, fmt.Errorf("%w: record %x of host %q is missing from the time bucket", ErrCorrupt, k, name))
			}
			return nil
		})
	})
	_ = times.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			findings = append(findings, fmt.Errorf("%w: time bucket key %x has no host", ErrCorrupt, k))
		} else if hb := hosts.Bucket(k[8:]); hb == nil || hb.Get(k[:8]) == nil {
			findings = append(findings, fmt.Errorf("%w: time bucket lists %q at %x, its host bucket does not", ErrCorrupt, k[8:], k[:8]))
		}
		return nil
	})
	return findings
}
