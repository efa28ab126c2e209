package main

import "github.com/urfave/cli/v2"

// namedFlags returns flags with their names worked out once. urfave/cli v2
// derives a flag's names with a regular expression at every call of Names,
// and before a command runs it asks, for every name of every flag, whether
// it is set, and each ask looks the flags up by name again: for create that
// is about 110 regexp runs, half of the command line's handling
// (BenchmarkCommandLine). The wrapped flags behave as the originals in all
// else: every other method is the original's, help lines included (its
// String formats the original flag). TestNamedFlags compares names and help
// lines, TestNamedFlagsParse what each flag reads as.
//
// A hidden bool flag stays as it is: urfave's completion looks for it on
// *cli.BoolFlag itself.
func namedFlags(flags []cli.Flag) []cli.Flag {
	out := make([]cli.Flag, len(flags))
	for i, f := range flags {
		switch f := f.(type) {
		case *cli.BoolFlag:
			out[i] = f
			if !f.Hidden {
				out[i] = &boolFlag{f, flagNames(f.Name, f.Aliases)}
			}
		case *cli.DurationFlag:
			out[i] = &durationFlag{f, flagNames(f.Name, f.Aliases)}
		case *cli.IntFlag:
			out[i] = &intFlag{f, flagNames(f.Name, f.Aliases)}
		case *cli.StringFlag:
			out[i] = &stringFlag{f, flagNames(f.Name, f.Aliases)}
		case *cli.StringSliceFlag:
			out[i] = &stringSliceFlag{f, flagNames(f.Name, f.Aliases)}
		default:
			out[i] = f
		}
	}
	return out
}

// The help flag that urfave adds to the app and to every command gets the
// same treatment: a lookup of a name that no flag has reaches it last.
func init() { cli.HelpFlag = namedFlags([]cli.Flag{cli.HelpFlag})[0] }

// flagNames is cli.FlagNames for names without the commas and spaces of
// urfave/cli v1's "name, alias" form, which hatch-backup never uses.
func flagNames(name string, aliases []string) []string {
	return append([]string{name}, aliases...)
}

type boolFlag struct {
	*cli.BoolFlag
	names []string
}

func (f *boolFlag) Names() []string { return f.names }

type durationFlag struct {
	*cli.DurationFlag
	names []string
}

func (f *durationFlag) Names() []string { return f.names }

type intFlag struct {
	*cli.IntFlag
	names []string
}

func (f *intFlag) Names() []string { return f.names }

type stringFlag struct {
	*cli.StringFlag
	names []string
}

func (f *stringFlag) Names() []string { return f.names }

type stringSliceFlag struct {
	*cli.StringSliceFlag
	names []string
}

func (f *stringSliceFlag) Names() []string { return f.names }
