// Command superplane is the SuperPlane command-line tool: it signs in with an
// API token, shows what a canvas holds and operates it (approve, discard,
// cancel, emit, watch). The logic lives in internal/cli.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/term"

	"github.com/superplane/terraform-provider-superplane/internal/cli"
)

// version is set by the release build.
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.IO{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Getenv:     os.Getenv,
		ReadSecret: readSecret(),
		Version:    version,
	})
	stop()
	os.Exit(code)
}

// readSecret prompts on standard error and reads the token from the
// terminal without echoing it; nil when standard input is not a terminal.
func readSecret() func(string) (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return nil
	}
	return func(prompt string) (string, error) {
		_, _ = fmt.Fprint(os.Stderr, prompt)
		b, err := term.ReadPassword(fd)
		_, _ = fmt.Fprintln(os.Stderr)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
}
