//go:build !unix

package main

import "os"

// maxRSSKB is not measured where rusage is missing.
func maxRSSKB(*os.ProcessState) int64 { return 0 }
