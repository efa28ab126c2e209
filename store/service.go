package store

import "github.com/hatch-backup/hatch-backup/service"

// ServiceFile is a per-user service definition for a watch: its kind,
// where it goes, its content, and the commands that enable and disable it
// (see package service).
type ServiceFile = service.File

// WatchService is the per-user service that runs `program watch --root
// root` at every login and restarts it if it dies, for goos: a systemd user
// unit, a launchd agent or a Task Scheduler task. home, uid and tmp are
// the user's (tmp is where Windows' task definition is staged).
func WatchService(goos, program, root, home string, uid int, tmp string) (ServiceFile, error) {
	return service.For(goos, service.Watch(program, root), home, uid, tmp)
}
