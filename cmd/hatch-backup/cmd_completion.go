package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hatch-backup/hatch-backup/store"
)

func (a *app) completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints a completion script for the shell: commands, their flags, and
host names after --host.

Examples:
  source <(hatch-backup completion bash)          # in ~/.bashrc
  source <(hatch-backup completion zsh)           # in ~/.zshrc
  hatch-backup completion fish > ~/.config/fish/completions/hatch-backup.fish`,
		Action: a.completion,
	}
}

func (a *app) completion(c *cli.Context) error {
	shell := c.Args().First()
	if c.Args().Len() > 1 {
		return usagef("unexpected argument %q: give one shell", c.Args().Get(1))
	}
	cmds := completable(c.App.Commands)
	switch shell {
	case "bash":
		return writeBash(a.stdout, cmds)
	case "zsh":
		// zsh runs bash completion functions through bashcompinit.
		fmt.Fprintln(a.stdout, "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit")
		return writeBash(a.stdout, cmds)
	case "fish":
		return writeFish(a.stdout, cmds)
	case "":
		return usagef("completion needs a shell: bash, zsh or fish")
	}
	return usagef("completion for %q: want bash, zsh or fish", shell)
}

// completableCommand is a command and its flag names, for the scripts.
type completableCommand struct {
	name, usage string
	flags       []string // "--host", ...
}

func completable(commands []*cli.Command) []completableCommand {
	var out []completableCommand
	for _, c := range commands {
		if c.Hidden || c.Name == "help" {
			continue
		}
		cc := completableCommand{name: c.Name, usage: c.Usage}
		for _, f := range c.Flags {
			cc.flags = append(cc.flags, "--"+f.Names()[0])
		}
		cc.flags = append(cc.flags, "--help")
		out = append(out, cc)
	}
	return out
}

// pathFlags take a file or folder: the shell completes paths there.
var pathFlags = []string{"--root", "--config", "--to"}

func writeBash(w io.Writer, cmds []completableCommand) error {
	var names []string
	var cases strings.Builder
	for _, c := range cmds {
		names = append(names, c.name)
		fmt.Fprintf(&cases, "    %s) opts=%q ;;\n", c.name, strings.Join(c.flags, " "))
	}
	_, err := fmt.Fprintf(w, `# bash completion for hatch-backup
_hatch_backup() {
  local cur prev cmd opts i
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --host) COMPREPLY=($(compgen -W %q -- "$cur")); return ;;
    %s) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --timestamp|--since|--until|--limit|--lock-timeout) return ;;
  esac
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${COMP_WORDS[i]}" in
      -*) ;;
      *) case " %s " in *" ${COMP_WORDS[i]} "*) cmd="${COMP_WORDS[i]}"; break ;; esac ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "--root --lock-timeout --json --help" -- "$cur"))
    else
      COMPREPLY=($(compgen -W %q -- "$cur"))
    fi
    return
  fi
  case "$cmd" in
%s  esac
  if [[ "$cmd" == completion ]]; then
    COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur"))
    return
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _hatch_backup hatch-backup
`, strings.Join(store.HostNames(), " "), strings.Join(pathFlags, "|"), strings.Join(names, " "), strings.Join(names, " "), cases.String())
	return err
}

func writeFish(w io.Writer, cmds []completableCommand) error {
	var b strings.Builder
	b.WriteString("# fish completion for hatch-backup\ncomplete -c hatch-backup -f\n")
	none := "__fish_use_subcommand"
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c hatch-backup -n %s -a %s -d %s\n", none, c.name, fishQuote(c.usage))
		seen := "'__fish_seen_subcommand_from " + c.name + "'"
		for _, f := range c.flags {
			name := strings.TrimPrefix(f, "--")
			switch {
			case name == "host":
				fmt.Fprintf(&b, "complete -c hatch-backup -n %s -l host -x -a %s\n", seen, fishQuote(strings.Join(store.HostNames(), " ")))
			case slices.Contains(pathFlags, f):
				fmt.Fprintf(&b, "complete -c hatch-backup -n %s -l %s -r -F\n", seen, name)
			default:
				fmt.Fprintf(&b, "complete -c hatch-backup -n %s -l %s\n", seen, name)
			}
		}
	}
	fmt.Fprintf(&b, "complete -c hatch-backup -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func fishQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }
