package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// isHelp reports whether arg asks for help rather than naming a command.
func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

// commandUsage returns the lines of usage that describe command ("serve",
// "token", "token create"), continuation lines included, so that each
// command's help is cut from the one usage text and cannot drift from it.
func commandUsage(command string) string {
	var b strings.Builder
	prefix := "  superplane-server " + command
	in := false
	for line := range strings.SplitSeq(usage, "\n") {
		switch {
		case strings.HasPrefix(line, "  superplane-server "):
			in = line == prefix || strings.HasPrefix(line, prefix+" ")
		case !strings.HasPrefix(line, "    "):
			in = false
		}
		if in {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// newFlagSet returns the flag set of command. Its -h/--help prints the
// command's usage and flags once; the command then returns flag.ErrHelp,
// which run answers with success.
func newFlagSet(command string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(command, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stderr, "usage:\n%s\nflags (each also read from its SUPERPLANE_* environment variable; see `superplane-server help`):\n", commandUsage(command))
		fs.PrintDefaults()
	}
	return fs
}

// parseOneArgument parses args with fs, taking one argument that may come
// before the flags too (`token revoke ID --data-dir D`); missing is the
// error when there is not exactly one.
func parseOneArgument(fs *flag.FlagSet, args []string, missing string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if len(rest) > 1 {
		if err := fs.Parse(rest[1:]); err != nil {
			return "", err
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 {
		return "", errors.New(missing)
	}
	return rest[0], nil
}

// helpFor answers `help [command]`, `<command> --help` for the commands
// made of subcommands (token, keys), and such a command given alone. ok is
// false when args ask for no help.
func helpFor(args []string, stdout io.Writer) (ok bool) {
	var command string
	switch {
	case len(args) >= 1 && isHelp(args[0]):
		if len(args) > 1 {
			command = strings.Join(args[1:], " ")
		}
	case len(args) == 2 && (args[0] == "token" || args[0] == "keys") && isHelp(args[1]):
		command = args[0]
	default:
		return false
	}
	text := usage
	if command != "" {
		if text = commandUsage(command); text == "" {
			return false
		}
		text = "usage:\n" + text
	}
	_, _ = fmt.Fprint(stdout, text)
	return true
}
