package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
)

func completionCommand() *command {
	return &command{
		name:    "completion",
		args:    "bash|zsh|fish",
		summary: "print a shell completion script",
		help: `Prints a script that completes superplane's commands, kinds and flags in your shell.

  bash:  source <(superplane completion bash)        # in ~/.bashrc
  zsh:   superplane completion zsh > "${fpath[1]}/_superplane"   # then restart zsh
  fish:  superplane completion fish > ~/.config/fish/completions/superplane.fish`,
		complete: []string{"bash", "zsh", "fish"},
		run: func(_ context.Context, s *session, args []string) error {
			if len(args) != 1 {
				return usagef("completion", "give a shell: bash, zsh or fish")
			}
			switch args[0] {
			case "bash":
				writeBash(s.io.Stdout, false)
			case "zsh":
				writeBash(s.io.Stdout, true)
			case "fish":
				writeFish(s.io.Stdout)
			default:
				return usagef("completion", "unknown shell %q: bash, zsh or fish", args[0])
			}
			return nil
		},
	}
}

// flagWords lists a command's flags as the shell types them.
func flagWords(c *command) []string {
	var out []string
	for _, f := range c.flags {
		out = append(out, "--"+f)
		if f == "output" {
			out = append(out, "-o")
		}
	}
	return append(out, "--help")
}

// writeBash writes the bash script; zsh runs the same through its
// bashcompinit layer, so both shells complete alike.
func writeBash(w io.Writer, zsh bool) {
	var b strings.Builder
	if zsh {
		b.WriteString("#compdef superplane\n# zsh completion for superplane (through bashcompinit).\nautoload -U +X bashcompinit && bashcompinit\n\n")
	} else {
		b.WriteString("# bash completion for superplane.\n")
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	b.WriteString(`_superplane() {
    local cur prev cmd
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ ${COMP_CWORD} -eq 1 ]]; then
        COMPREPLY=( $(compgen -W "` + strings.Join(names, " ") + `" -- "${cur}") )
        return 0
    fi
    cmd="${COMP_WORDS[1]}"
    case "${prev}" in
        -o|--output) COMPREPLY=( $(compgen -W "table json" -- "${cur}") ); return 0 ;;
        --file) COMPREPLY=( $(compgen -f -- "${cur}") ); return 0 ;;
        --state) COMPREPLY=( $(compgen -W "pending waiting processed discarded rejected" -- "${cur}") ); return 0 ;;
    esac
    if [[ "${cur}" == -* ]]; then
        case "${cmd}" in
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "            %s) COMPREPLY=( $(compgen -W %q -- \"${cur}\") ) ;;\n", c.name, strings.Join(flagWords(c), " "))
	}
	b.WriteString(`        esac
        return 0
    fi
    if [[ ${COMP_CWORD} -eq 2 ]]; then
        case "${cmd}" in
`)
	for _, c := range commands() {
		if len(c.complete) > 0 {
			fmt.Fprintf(&b, "            %s) COMPREPLY=( $(compgen -W %q -- \"${cur}\") ) ;;\n", c.name, strings.Join(c.complete, " "))
		}
	}
	b.WriteString(`        esac
    fi
    return 0
}
complete -o default -F _superplane superplane
`)
	_, _ = io.WriteString(w, b.String())
}

// fishQuote quotes s for fish inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// writeFish writes the fish script.
func writeFish(w io.Writer) {
	var b strings.Builder
	b.WriteString("# fish completion for superplane.\ncomplete -c superplane -f\n")
	for _, c := range commands() {
		fmt.Fprintf(&b, "complete -c superplane -n '__fish_use_subcommand' -a %s -d %s\n", c.name, fishQuote(c.summary))
	}
	// convert reads files.
	b.WriteString("complete -c superplane -n '__fish_seen_subcommand_from convert' -F\n")
	for _, c := range commands() {
		cond := fishQuote("__fish_seen_subcommand_from " + c.name)
		if len(c.complete) > 0 {
			fmt.Fprintf(&b, "complete -c superplane -n %s -a %s\n", cond, fishQuote(strings.Join(c.complete, " ")))
		}
		for _, f := range c.flags {
			d := flagDefs[f]
			switch {
			case f == "output":
				fmt.Fprintf(&b, "complete -c superplane -n %s -s o -l output -x -a 'table json' -d %s\n", cond, fishQuote(d.usage))
			case f == "file":
				fmt.Fprintf(&b, "complete -c superplane -n %s -l file -r -F -d %s\n", cond, fishQuote(d.usage))
			case d.arg == "":
				fmt.Fprintf(&b, "complete -c superplane -n %s -l %s -d %s\n", cond, f, fishQuote(d.usage))
			default:
				fmt.Fprintf(&b, "complete -c superplane -n %s -l %s -x -d %s\n", cond, f, fishQuote(d.usage))
			}
		}
	}
	_, _ = io.WriteString(w, b.String())
}
