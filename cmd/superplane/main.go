// Command superplane is the SuperPlane command-line tool: it signs in with an
// API token, shows what a canvas holds and operates it (approve, discard,
// cancel, emit, watch). The logic lives in internal/cli.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
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
		OpenURL:    openURL,
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

// openURL asks the desktop to open url in the browser (login --browser),
// without waiting for it; the CLI prints the URL as well.
func openURL(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
