package main

import (
	"github.com/urfave/cli/v2"
)

// refuseEmptyValues rejects a string flag given with an empty value, such
// as `--to ""` or `--root "$UNSET"`. Taken as "not given", it would fall
// back to a default and write somewhere the user did not name.
func refuseEmptyValues(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		if err := emptyValue(c, f); err != nil {
			return err
		}
	}
	if c.Command.Name == "" { // the app itself: its global flags
		for _, f := range c.App.Flags {
			if err := emptyValue(c, f); err != nil {
				return err
			}
		}
	}
	return nil
}

func emptyValue(c *cli.Context, f cli.Flag) error {
	switch f := f.(type) {
	case *cli.StringFlag:
		if c.IsSet(f.Name) && c.String(f.Name) == "" {
			return usagef("--%s: empty value (leave the flag out for the default)", f.Name)
		}
	case *cli.StringSliceFlag:
		if !c.IsSet(f.Name) {
			return nil
		}
		for _, v := range c.StringSlice(f.Name) {
			if v == "" {
				return usagef("--%s: empty value", f.Name)
			}
		}
	}
	return nil
}
