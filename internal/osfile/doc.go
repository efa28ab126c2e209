// Package osfile opens files and syncs directories for the packages that
// write the store (atomic, index), with no more system calls than the job
// needs.
//
// os.OpenFile hands every file to the runtime's poller: the first open
// sets the poller up (epoll_create1, eventfd2, epoll_ctl), and each open
// then switches the file to non-blocking, tries to register it, fails
// (regular files and directories cannot be polled) and switches it back:
// five calls per file that change nothing. Open makes the same *os.File
// from open(2) alone. Reads, writes, Sync and Close behave as they do on
// a file from os.OpenFile; deadlines, which regular files never had, are
// not supported.
package osfile
