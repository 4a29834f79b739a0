// Package cli is the superplane command-line tool: it signs in to a
// SuperPlane server with an API token, lists and describes what a canvas
// holds, and operates it (approve, discard, cancel, emit, watch). It talks to
// the server through internal/client only. cmd/superplane is its main
// package; everything testable lives here.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// Exit codes: 0 done, 1 the command failed (or the execution it followed
// did not pass), 2 the command line was wrong, 130 stopped by Ctrl-C.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// IO is what a run of the tool reads and writes: the process's streams and
// environment in cmd/superplane, buffers and a map in the tests.
type IO struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (SUPERPLANE_API_URL, XDG_CONFIG_HOME...).
	Getenv func(string) string
	// ReadSecret, when set, reads a line from the terminal without echoing
	// it (login's prompt for the token). Nil when standard input is not a
	// terminal: login then needs --token-stdin.
	ReadSecret func(prompt string) (string, error)
	// HTTPClient is the transport; nil means the client's default.
	HTTPClient *http.Client
	// Version is the tool's version, sent in the User-Agent.
	Version string
	// OpenURL, when set, opens a URL in the user's browser (login
	// --browser); the URL is printed either way.
	OpenURL func(url string) error
}

// usageError is a mistake on the command line: exit code 2 and a pointer
// to the command's help.
type usageError struct {
	cmd string
	msg string
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usageError for the command cmd.
func usagef(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// errNotPassed ends watch and logs with exit code 1 after they have printed
// why the execution did not pass.
var errNotPassed = errors.New("the execution did not pass")

// command is one subcommand: its flags, its help and what it does.
type command struct {
	name    string
	args    string // the positional arguments, for the usage line: "KIND [NAME]"
	summary string // one line, for the list of commands
	help    string // what the command does, how, and what it needs
	// flags names the flags (of flagDefs) the command takes.
	flags []string
	// complete lists the words a shell may offer for the first
	// positional argument (kinds, shells); nil for none.
	complete []string
	run      func(ctx context.Context, s *session, args []string) error
}

// session is one run of the tool: its streams, its flags and, once a
// command needs it, the API client.
type session struct {
	io   IO
	opts options
	cmd  *command
	cfg  resolved
	c    *client.Client
}

// commands lists every subcommand in the order help shows them.
func commands() []*command {
	return []*command{
		loginCommand(),
		logoutCommand(),
		sessionsCommand(),
		getCommand(),
		describeCommand(),
		eventsCommand(),
		executionsCommand(),
		approveCommand(),
		discardCommand(),
		cancelCommand(),
		emitCommand(),
		watchCommand(),
		logsCommand(),
		convertCommand(),
		exportCommand(),
		completionCommand(),
		versionCommand(),
	}
}

// findCommand returns the subcommand called name, or nil.
func findCommand(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

// Run runs the tool with args (without the program name) and returns its
// exit code. ctx ends on Ctrl-C: a command that follows an execution then
// stops and says the execution goes on.
func Run(ctx context.Context, args []string, io IO) int {
	if io.Getenv == nil {
		io.Getenv = func(string) string { return "" }
	}
	if len(args) == 0 {
		printUsage(io.Stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c := findCommand(args[1]); c != nil {
				printCommandHelp(io.Stdout, c)
				return exitOK
			}
			_, _ = fmt.Fprintf(io.Stderr, "superplane: unknown command %q\n\n", args[1])
			printUsage(io.Stderr)
			return exitUsage
		}
		printUsage(io.Stdout)
		return exitOK
	case "--version", "-version":
		args = []string{"version"}
	}
	cmd := findCommand(args[0])
	if cmd == nil {
		_, _ = fmt.Fprintf(io.Stderr, "superplane: unknown command %q\n\n", args[0])
		printUsage(io.Stderr)
		return exitUsage
	}
	s := &session{io: io, cmd: cmd}
	pos, err := s.parse(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(io.Stdout, cmd)
		return exitOK
	}
	if err == nil {
		err = cmd.run(ctx, s, pos)
	}
	return s.finish(ctx, err)
}

// finish prints err as the user should read it and returns the exit code.
func (s *session) finish(ctx context.Context, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		_, _ = fmt.Fprintf(s.io.Stderr, "superplane %s: %s\nRun \"superplane %s --help\" for its usage.\n", s.cmd.name, ue.msg, s.cmd.name)
		return exitUsage
	case errors.Is(err, errNotPassed):
		return exitFailed
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		msg := "stopped"
		var se *stoppedError
		if errors.As(err, &se) {
			msg = se.msg
		}
		_, _ = fmt.Fprintf(s.io.Stderr, "superplane %s: %s\n", s.cmd.name, msg)
		return exitInterrupted
	}
	_, _ = fmt.Fprintf(s.io.Stderr, "superplane %s: %s\n", s.cmd.name, err)
	return exitFailed
}

// parse parses the command's flags wherever they stand among its
// positional arguments ("get stages --canvas prod" and "get --canvas prod
// stages" alike) and returns the positional ones. "--" ends the flags.
func (s *session) parse(args []string) ([]string, error) {
	fs := flag.NewFlagSet("superplane "+s.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.opts.register(fs, s.cmd.flags)
	var pos []string
	for range len(args) + 1 {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef(s.cmd.name, "%s", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if err := s.opts.check(s.cmd.name); err != nil {
		return nil, err
	}
	return pos, nil
}

// printUsage writes the list of commands.
func printUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`superplane operates a SuperPlane control plane: what its canvases hold, their events,
queues and executions, approvals, cancellations and manual events.

Usage:
  superplane COMMAND [ARGS] [FLAGS]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-11s %s\n", c.name, c.summary)
	}
	b.WriteString(`
Start with "superplane login --url URL --token-stdin" (a token from
"superplane-server token create"). "superplane COMMAND --help" explains a command.
The server and token can also come from SUPERPLANE_API_URL and SUPERPLANE_API_TOKEN,
as for the Terraform provider.
`)
	_, _ = io.WriteString(w, b.String())
}

// printCommandHelp writes a command's usage, help and flags.
func printCommandHelp(w io.Writer, c *command) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  superplane %s", c.name)
	if c.args != "" {
		b.WriteString(" " + c.args)
	}
	if len(c.flags) > 0 {
		b.WriteString(" [FLAGS]")
	}
	fmt.Fprintf(&b, "\n\n%s\n", strings.TrimSpace(c.help))
	if len(c.flags) > 0 {
		b.WriteString("\nFlags:\n")
		names := slices.Clone(c.flags)
		for _, n := range names {
			d := flagDefs[n]
			fmt.Fprintf(&b, "  --%-14s %s\n", n+d.arg, d.usage)
		}
	}
	_, _ = io.WriteString(w, b.String())
}
