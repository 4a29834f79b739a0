package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/client"
)

// TestSessionsAndLogout: a browser sign-in's token is a session: "superplane
// sessions" lists it (current) with the console session the browser
// signed in with, "revoke --others" ends the console session, an unknown
// id is not found, and logout revokes the token on the server (401
// afterwards). A pasted token survives logout. No token is printed. The
// user is a service account of its own, so that other tests' sessions do
// not show.
func TestSessionsAndLogout(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, pasted, stdout, stderr := browserSignIn(ctx, t, "sessions-cli-")
	raw, err := os.ReadFile(filepath.Join(env["XDG_CONFIG_HOME"], "superplane", "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: env}
	table := c.ok("sessions")
	for _, secret := range []string{pasted, cfg.Token} {
		if strings.Contains(table+stdout.String()+stderr.String(), secret) {
			t.Fatal("a token was printed")
		}
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 3 || !strings.Contains(table, "SIGNED IN WITH") {
		t.Fatalf("want a header and two sessions (the CLI's and the browser's):\n%s", table)
	}
	var list api.ListSessionsResponse
	if err := json.Unmarshal([]byte(c.ok("sessions", "list", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, ss := range list.Sessions {
		kinds[ss.Kind+" "+ss.SignedInWith+" "+map[bool]string{true: "current"}[ss.Current]] = true
	}
	if !kinds["cli browser current"] || !kinds["console token "] {
		t.Fatalf("sessions: %+v; want the current CLI sign-in and the console session opened with the pasted token", list.Sessions)
	}

	if out := c.ok("sessions", "revoke", "--others"); !strings.Contains(out, "Revoked 1 other session") {
		t.Fatalf("revoke --others: %s", out)
	}
	if lines := strings.Split(strings.TrimSpace(c.ok("sessions")), "\n"); len(lines) != 2 {
		t.Fatalf("after revoke --others, want the current session alone: %q", lines)
	}
	if msg := c.fails(1, "sessions", "revoke", "00000000-0000-4000-8000-000000000000"); !strings.Contains(msg, "not found among yours") {
		t.Fatalf("revoking an unknown session: %s", msg)
	}
	if msg := c.fails(2, "sessions", "revoke"); !strings.Contains(msg, "session id") {
		t.Fatalf("revoke without an id: %s", msg)
	}

	if out := c.ok("logout"); !strings.Contains(out, "Revoked it on the server") {
		t.Fatalf("logout of a browser sign-in: %s", out)
	}
	gone, err := client.New(client.Config{Endpoint: srv.url, Token: cfg.Token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gone.Me(ctx); !client.IsUnauthorized(err) {
		t.Fatalf("the logged-out browser sign-in's token: %v; want 401", err)
	}

	// A pasted token is no session: logout forgets it and it keeps working.
	c.stdin = pasted
	c.ok("login", "--url", srv.url, "--token-stdin")
	if out := c.ok("logout"); !strings.Contains(out, "keeps working") {
		t.Fatalf("logout of a pasted token: %s", out)
	}
	kept, err := client.New(client.Config{Endpoint: srv.url, Token: pasted})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Me(ctx); err != nil {
		t.Fatalf("the pasted token after logout: %v", err)
	}
}

// TestSigningAUserOutFromTheCLI: an owner signs another user out of every
// session with "sessions revoke --user EMAIL": the user's CLI browser
// sign-in gets 401 at once, while the API token pasted into the console
// keeps working. A viewer may not, an unknown user is named, and --user
// goes with no session id.
func TestSigningAUserOutFromTheCLI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, pasted, _, _ := browserSignIn(ctx, t, "signout-cli-")
	user := &cli{t: t, env: env}
	var list api.ListSessionsResponse
	if err := json.Unmarshal([]byte(user.ok("sessions", "-o", "json")), &list); err != nil || len(list.Sessions) != 2 {
		t.Fatalf("the user's sessions before: %+v (%v); want the CLI's and the browser's", list.Sessions, err)
	}
	pastedClient, err := client.New(client.Config{Endpoint: srv.url, Token: pasted})
	if err != nil {
		t.Fatal(err)
	}
	me, err := pastedClient.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}

	owner := newCLI(t)
	if msg := owner.fails(2, "sessions", "revoke", "--user", me.Email, list.Sessions[0].ID); !strings.Contains(msg, "--user EMAIL") {
		t.Fatalf("--user with a session id: %s", msg)
	}
	if msg := owner.fails(1, "sessions", "revoke", "--user", "nobody@example.com"); !strings.Contains(msg, `no user "nobody@example.com"`) {
		t.Fatalf("signing out an unknown user: %s", msg)
	}
	if msg := owner.as(srv.viewerToken).fails(1, "sessions", "revoke", "--user", me.Email); !strings.Contains(msg, "sign a user out") {
		t.Fatalf("a viewer signing a user out: %s", msg)
	}
	if out := owner.ok("sessions", "revoke", "--user", strings.ToUpper(me.Email)); !strings.Contains(out, "out of 2 session(s)") {
		t.Fatalf("the owner signing the user out: %s", out)
	}
	if msg := user.fails(1, "sessions"); !strings.Contains(strings.ToLower(msg), "log") {
		t.Fatalf("the signed-out CLI listing its sessions: %s; want a 401 that says to log in again", msg)
	}
	if _, err := pastedClient.Me(ctx); err != nil {
		t.Fatalf("the user's pasted API token after being signed out everywhere: %v", err)
	}
}

// browserSignIn makes a viewer service account of its own (so that other
// tests' sessions do not show), opens a console session with a token of it
// and signs the CLI in through that browser ("login --browser"). It returns
// the CLI's environment, the pasted token and what the login printed.
func browserSignIn(ctx context.Context, t *testing.T, prefix string) (env map[string]string, pasted string, stdout, stderr *strings.Builder) {
	t.Helper()
	name := prefix + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if _, err := srv.owner.CreateServiceAccount(ctx, client.ServiceAccountParams{Name: name, Role: api.RoleViewer}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.owner.DeleteServiceAccount(context.Background(), name) })
	_, pasted, err := srv.owner.CreateServiceAccountToken(ctx, name, "console", nil)
	if err != nil {
		t.Fatal(err)
	}
	env = map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "HOME": t.TempDir()}
	stdout, stderr = &strings.Builder{}, &strings.Builder{}
	if code := Run(ctx, []string{"login", "--url", srv.url, "--browser"}, IO{
		Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr,
		Getenv: func(k string) string { return env[k] }, Version: "test",
		OpenURL: consoleBrowser(pasted),
	}); code != 0 {
		t.Fatalf("login --browser: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	return env, pasted, stdout, stderr
}
