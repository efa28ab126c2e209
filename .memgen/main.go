package main

import (
	"os"
	"strconv"

	"github.com/hatch-backup/hatch-backup/store"
)

func main() {
	n, _ := strconv.Atoi(os.Args[2])
	if err := store.Generate(store.GenSpec{Root: os.Args[1], N: n, Hosts: []string{"cursor"}, Files: true}); err != nil {
		panic(err)
	}
}
