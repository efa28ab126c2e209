//go:build !unix

package main

import "testing"

// specialFiles: no FIFOs or device paths to make here.
func specialFiles(t *testing.T, dir string) []string { return nil }
