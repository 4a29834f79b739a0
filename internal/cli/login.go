package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// maxTokenInput bounds what login reads from standard input: a token is
// short, and a mistaken pipe of a large file must not be read whole.
const maxTokenInput = 64 << 10

func loginCommand() *command {
	return &command{
		name:    "login",
		summary: "save the server's URL and your API token, after checking them",
		help: `Checks an API token against the server (GET /api/v1/me) and saves the URL and the
token in $XDG_CONFIG_HOME/superplane/config.json (~/.config/superplane/config.json
when XDG_CONFIG_HOME is unset), readable by you alone (mode 0600). The token is
never printed.

The token comes from standard input with --token-stdin, or from a prompt that does
not echo when standard input is a terminal. "superplane-server token create" prints
one.

With --browser the CLI prints (and opens) the server's sign-in URL and waits on a
listener at 127.0.0.1 on a random port: you sign in to the console as usual (an auth
provider such as GitHub, or a pasted token) and confirm, and the browser brings a
one-time code back to the listener. The CLI checks the state it sent, trades the
code with its PKCE verifier for an API token of your role (valid 30 days) and saves
it like --token-stdin does.

SUPERPLANE_API_URL and SUPERPLANE_API_TOKEN (the provider's variables; SUPERPLANE_URL
and SUPERPLANE_TOKEN work too) override the saved values for every command.

Examples:
  superplane-server token create --org acme --role admin --user me@example.com \
    | superplane login --url https://superplane.example.com --token-stdin
  superplane login --url http://127.0.0.1:8000
  superplane login --url https://superplane.example.com --browser`,
		flags: []string{"url", "token-stdin", "browser"},
		run:   runLogin,
	}
}

// readToken reads the token from standard input or the terminal prompt.
func (s *session) readToken() (string, error) {
	if s.opts.tokenStdin {
		raw, err := io.ReadAll(io.LimitReader(s.io.Stdin, maxTokenInput))
		if err != nil {
			return "", fmt.Errorf("reading the token from standard input: %w", err)
		}
		tok := strings.TrimSpace(string(raw))
		if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
			return "", errors.New("standard input must hold the API token alone (one line)")
		}
		return tok, nil
	}
	if s.io.ReadSecret == nil {
		return "", usagef("login", "standard input is not a terminal: pass the token with --token-stdin")
	}
	tok, err := s.io.ReadSecret("API token (not shown): ")
	if err != nil {
		return "", fmt.Errorf("reading the token: %w", err)
	}
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", errors.New("no token given")
	}
	return tok, nil
}

func runLogin(ctx context.Context, s *session, args []string) error {
	if len(args) > 0 {
		return usagef("login", "takes no arguments (the token is read from standard input, never from the command line)")
	}
	path, err := configPath(s.io.Getenv)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(path)
	if err != nil {
		return err
	}
	url := strings.TrimSpace(s.opts.url)
	if url == "" {
		url, _ = firstEnv(s.io.Getenv, envURL, envURLShort)
	}
	if url == "" {
		url = cfg.URL
	}
	if url == "" {
		return usagef("login", "--url is required: the server's URL, for example http://127.0.0.1:8000")
	}
	url = strings.TrimRight(url, "/")
	var token, from string
	if s.opts.browser {
		if s.opts.tokenStdin {
			return usagef("login", "--browser and --token-stdin exclude each other: the browser sign-in brings its own token")
		}
		token, err = s.browserToken(ctx, url)
		from = "the browser sign-in"
	} else {
		token, err = s.readToken()
		from = "standard input"
	}
	if err != nil {
		return err
	}
	c, err := s.newClient(url, token)
	if err != nil {
		return err
	}
	s.c = c
	s.cfg = resolved{url: url, token: token, urlFrom: "--url", tokFrom: from}
	me, err := c.Me(ctx)
	if err != nil {
		if client.IsUnauthorized(err) {
			return errors.New(`the server refused this token (unknown, revoked or expired): ` +
				`create one with "superplane-server token create" and log in again; nothing was saved`)
		}
		return fmt.Errorf("%w; nothing was saved", s.explain(ctx, err, target{}))
	}
	if err := saveConfig(path, config{URL: url, Token: token}); err != nil {
		return err
	}
	org := me.OrganizationName
	if org == "" {
		org = me.OrganizationID
	}
	_, _ = fmt.Fprintf(s.io.Stdout, "Logged in to %s as %s (role %s in organization %s).\nSaved to %s (readable by you alone).\n",
		url, me.Email, me.Role, org, path)
	if me.TokenExpiresAt != nil {
		_, _ = fmt.Fprintf(s.io.Stdout, "The token expires at %s.\n", when(me.TokenExpiresAt))
	}
	if v, name := firstEnv(s.io.Getenv, envToken, envTokenShort); v != "" {
		_, _ = fmt.Fprintf(s.io.Stderr, "note: %s is set and overrides the saved token.\n", name)
	}
	return nil
}

func logoutCommand() *command {
	return &command{
		name:    "logout",
		summary: "revoke this CLI's browser sign-in and forget the saved token",
		help: `Removes the token from the configuration file (the URL stays, for the next login).
When "superplane login --browser" made the token, it is a session: logout revokes it
on the server first, so it stops working at once. A token an operator made
("superplane-server token create") keeps working until it is revoked:
"superplane-server token revoke ID".`,
		run: runLogout,
	}
}

func versionCommand() *command {
	return &command{
		name:    "version",
		summary: "print the version",
		help:    "Prints the version of this superplane binary.",
		run: func(_ context.Context, s *session, _ []string) error {
			v := s.io.Version
			if v == "" {
				v = "dev"
			}
			_, _ = fmt.Fprintf(s.io.Stdout, "superplane %s\n", v)
			return nil
		},
	}
}
