// Package osfile syncs directories for the packages that write the store
// (atomic, index): both need a new or renamed entry to survive a crash, and
// each platform says so in its own way.
package osfile
