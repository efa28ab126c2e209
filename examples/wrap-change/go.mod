module example.com/wrap-change

go 1.25.0

require github.com/hatch-backup/hatch-backup v0.0.0

require (
	github.com/BurntSushi/toml v1.5.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/tailscale/hujson v0.0.0-20250605163823-992244df8c5a // indirect
	go.etcd.io/bbolt v1.5.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
)

replace github.com/hatch-backup/hatch-backup => ../..
