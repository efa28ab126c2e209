package store

import "syscall"

// statMtime is a stat's modification time in Unix nanoseconds.
func statMtime(st *syscall.Stat_t) int64 { return st.Mtimespec.Nano() }
