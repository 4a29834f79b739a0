package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loggedOut is a user with no token anywhere: neither in the environment
// nor in a config file.
func loggedOut(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, env: map[string]string{"XDG_CONFIG_HOME": t.TempDir(), "HOME": t.TempDir()}}
}

// TestLoginWritesConfig: login checks the token, writes URL and token to
// $XDG_CONFIG_HOME/superplane/config.json with mode 0600 (directory 0700),
// never prints the token, and later commands use the file.
func TestLoginWritesConfig(t *testing.T) {
	c := loggedOut(t)
	c.stdin = srv.ownerToken + "\n"
	out := c.ok("login", "--url", srv.url+"/", "--token-stdin")
	if !strings.Contains(out, "owner@example.com") || !strings.Contains(out, "role owner") || !strings.Contains(out, "acme") {
		t.Errorf("login should say who and where: %q", out)
	}
	path := filepath.Join(c.env["XDG_CONFIG_HOME"], "superplane", "config.json")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("config file mode %o, want 600", mode)
	}
	dir, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if mode := dir.Mode().Perm(); mode != 0o700 {
		t.Errorf("config directory mode %o, want 700", mode)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.URL != srv.url || cfg.Token != srv.ownerToken {
		t.Errorf("config holds url %q and the token: %v; want %q and it", cfg.URL, cfg.Token == srv.ownerToken, srv.url)
	}

	// Later commands read the file.
	c.stdin = ""
	name := canvasWithRelease(t)
	if out := c.ok("get", "canvases"); !strings.Contains(out, name) {
		t.Errorf("get canvases after login lists no %s:\n%s", name, out)
	}

	// The environment overrides the file: a viewer token in
	// SUPERPLANE_API_TOKEN is refused a write the saved owner token could do.
	v := c.as(srv.viewerToken)
	if msg := v.fails(1, "emit", "--canvas", name, "--source", "release"); !strings.Contains(msg, "role viewer") {
		t.Errorf("the environment's viewer token should be used: %s", msg)
	}

	// logout forgets the token and keeps the URL.
	c.ok("logout")
	raw, _ = os.ReadFile(path)
	if strings.Contains(string(raw), srv.ownerToken) || !strings.Contains(string(raw), srv.url) {
		t.Errorf("after logout the file should keep the URL only: %s", raw)
	}
	if msg := c.fails(1, "get", "canvases"); !strings.Contains(msg, "superplane login") {
		t.Errorf("after logout: %s", msg)
	}
}

// TestLoginRefusesBadToken: a token the server does not know is not saved,
// and the message says what to do without echoing it.
func TestLoginRefusesBadToken(t *testing.T) {
	c := loggedOut(t)
	bad := "spt_" + strings.Repeat("x", 40)
	c.stdin = bad
	r := c.run("login", "--url", srv.url, "--token-stdin")
	if r.code != 1 || !strings.Contains(r.stderr, "refused this token") || !strings.Contains(r.stderr, "token create") {
		t.Errorf("login with an unknown token: exit %d, %q", r.code, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, bad) {
		t.Error("login printed the token it was given")
	}
	if _, err := os.Stat(filepath.Join(c.env["XDG_CONFIG_HOME"], "superplane", "config.json")); !os.IsNotExist(err) {
		t.Errorf("a refused login wrote the config file: %v", err)
	}
	// Without --token-stdin and no terminal, login says how to pass it.
	c.stdin = srv.ownerToken
	if msg := c.fails(2, "login", "--url", srv.url); !strings.Contains(msg, "--token-stdin") {
		t.Errorf("login without a terminal: %s", msg)
	}
	// A server that is not there: the message names the URL.
	if msg := c.fails(1, "login", "--url", "http://127.0.0.1:1", "--token-stdin"); !strings.Contains(msg, "cannot reach the server at http://127.0.0.1:1") {
		t.Errorf("login to nothing: %s", msg)
	}
}

// TestNotLoggedIn: every command that needs the server says to log in.
func TestNotLoggedIn(t *testing.T) {
	c := loggedOut(t)
	for _, args := range [][]string{
		{"get", "canvases"},
		{"get", "stages", "--canvas", "x"},
		{"approve", "--canvas", "x", "--stage", "y", "id"},
		{"watch", "--canvas", "x", "--stage", "y"},
	} {
		if msg := c.fails(1, args...); !strings.Contains(msg, `run "superplane login --url URL --token-stdin"`) {
			t.Errorf("%v without a token: %s", args, msg)
		}
	}
	// A token the server revoked or never had: the message says so.
	c.env["SUPERPLANE_API_URL"], c.env["SUPERPLANE_API_TOKEN"] = srv.url, "spt_unknown"
	if msg := c.fails(1, "get", "canvases"); !strings.Contains(msg, "refused the API token from SUPERPLANE_API_TOKEN") {
		t.Errorf("unknown token: %s", msg)
	}
}

// TestHelp: every command has --help; login's explains the browser
// sign-in; a wrong command line exits 2 and points at the help.
func TestHelp(t *testing.T) {
	c := loggedOut(t)
	for _, cmd := range commands() {
		out := c.ok(cmd.name, "--help")
		if !strings.Contains(out, "Usage:\n  superplane "+cmd.name) {
			t.Errorf("%s --help:\n%s", cmd.name, out)
		}
	}
	if out := c.ok("help", "login"); !strings.Contains(out, "--browser") || !strings.Contains(out, "PKCE verifier") {
		t.Errorf("login's help should explain the browser sign-in:\n%s", out)
	}
	if out := c.ok("--help"); !strings.Contains(out, "approve") || !strings.Contains(out, "completion") {
		t.Errorf("--help lists the commands:\n%s", out)
	}
	if msg := c.fails(2, "get", "widgets"); !strings.Contains(msg, "unknown kind") || !strings.Contains(msg, "event-sources") {
		t.Errorf("unknown kind: %s", msg)
	}
	if msg := c.fails(2, "get", "stages"); !strings.Contains(msg, "--canvas is required") {
		t.Errorf("stages without a canvas: %s", msg)
	}
	if msg := c.fails(2, "frobnicate"); !strings.Contains(msg, "unknown command") {
		t.Errorf("unknown command: %s", msg)
	}
	if msg := c.fails(2, "get", "canvases", "-o", "yaml"); !strings.Contains(msg, "--output must be table or json") {
		t.Errorf("bad output: %s", msg)
	}
	if out := c.ok("version"); out != "superplane test\n" {
		t.Errorf("version: %q", out)
	}
}
