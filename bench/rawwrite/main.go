// Command rawwrite is the bench script's baseline process: it makes a copy
// of one file durable the plain way (temp file, write, fsync, close,
// rename, folder fsync) and nothing else, so that a whole hatch-backup
// process can be compared with the least a process must do for the same
// bytes. With no arguments it only starts and exits.
//
// With -measure CMD ARGS... it runs CMD and prints its wall time in
// nanoseconds and its peak resident set in KiB. The bench script starts
// every measured command this way: a child's peak RSS counts the memory
// of the process that started it (vfork), and this one is small.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	if len(os.Args) > 2 && os.Args[1] == "-measure" {
		measure(os.Args[2:])
		return
	}
	if len(os.Args) != 3 {
		return
	}
	if err := durableCopy(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "rawwrite:", err)
		os.Exit(1)
	}
}

func measure(args []string) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintln(os.Stderr, "rawwrite:", err)
		os.Exit(1)
	}
	fmt.Println(wall.Nanoseconds(), maxRSSKB(cmd.ProcessState))
}

func durableCopy(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
