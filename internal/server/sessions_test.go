package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/authprovider"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

func init() {
	path := func(matrixFixture) string { return api.MeSessionsPath }
	matrixRoutes["GET "+api.MeSessionsPath] = matrixRoute{self: true, path: path}
	// Revoking the caller's other sessions leaves its own token working:
	// an operator's token is no session.
	matrixRoutes["DELETE "+api.MeSessionsPath] = matrixRoute{self: true, keeps: true, path: path}
	// A session id that is nobody's of the callers': 404 for all.
	matrixRoutes["DELETE "+api.MeSessionsPath+"/{sessionId}"] = matrixRoute{self: true, keeps: true, notMine: true,
		path: func(matrixFixture) string { return api.MeSessionsPath + "/00000000-0000-4000-8000-000000000000" }}
	// An owner or admin signs a user of acme out everywhere.
	matrixRoutes["DELETE "+api.UserSessionsPath] = matrixRoute{scoped: true,
		path: func(f matrixFixture) string { return "/api/v1/users/" + f.user + "/sessions" }}
	auditWants["DELETE "+api.UserSessionsPath] = auditWant{"revoke_sessions", "user", func(f matrixFixture) string { return f.user }}
	selfRoutes = append(selfRoutes, "DELETE "+api.MeSessionsPath, "DELETE "+api.MeSessionsPath+"/{sessionId}")
	for name, v := range map[string]any{
		"Session": api.Session{}, "ListSessionsResponse": api.ListSessionsResponse{}, "RevokeSessionsResponse": api.RevokeSessionsResponse{},
	} {
		wireSchemas[name] = v
	}
}

// sessionRow is a row of the console's Sessions page: its session id and
// whether it is the browser's own.
var sessionRow = regexp.MustCompile(`data-session="([0-9a-f-]{36})">\s*<td>(?:Browser|CLI)( <strong>\(this one\)</strong>)?</td>`)

// consoleSessionIDs reads the Sessions page: this browser's session id and
// the others'.
func consoleSessionIDs(t *testing.T, c *consoleClient) (string, []string) {
	t.Helper()
	a := c.send("GET", "/sessions", nil)
	if a.status != http.StatusOK {
		t.Fatalf("GET /sessions: %d %s", a.status, a.body)
	}
	current, others := "", []string(nil)
	for _, m := range sessionRow.FindAllStringSubmatch(a.body, -1) {
		if m[2] != "" {
			current = m[1]
		} else {
			others = append(others, m[1])
		}
	}
	return current, others
}

// mySessions is GET /api/v1/me/sessions as who.
func mySessions(t *testing.T, e *env, who string) []api.Session {
	t.Helper()
	var out api.ListSessionsResponse
	e.do(who, "GET", api.MeSessionsPath, nil).decode(t, &out)
	return out.Sessions
}

// cookieOf is a console client with the browser's session cookie.
func cookieOf(t *testing.T, se *signInEnv, b *browser) *consoleClient {
	t.Helper()
	v := b.session(se.url)
	if v == "" {
		t.Fatal("the browser holds no session cookie")
	}
	return &consoleClient{t: t, e: se.env, cookie: &http.Cookie{Name: server.SessionCookie, Value: v}}
}

// cliSignIn runs the CLI's browser sign-in from c's session and returns
// the token it is given.
func cliSignIn(t *testing.T, se *signInEnv, c *consoleClient) string {
	t.Helper()
	verifier := strings.Repeat("s", 50)
	challenge := service.S256Challenge(verifier)
	form := url.Values{"port": {"45679"}, "state": {"cli-state-sessions-0001"}, "challenge": {challenge}}
	csrf := c.csrf("/cli-sign-in?" + form.Encode())
	form.Set("csrf", csrf)
	a := c.send("POST", "/cli-sign-in", form)
	loc, _ := url.Parse(a.header.Get("Location"))
	if a.status != http.StatusSeeOther || loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("CLI sign-in: %d %q", a.status, a.header.Get("Location"))
	}
	b, _ := json.Marshal(api.CLISignInTokenRequest{Code: loc.Query().Get("code"), Verifier: verifier})
	var tok api.CLISignInTokenResponse
	se.do("", "POST", api.CLISignInTokenPath, string(b)).decode(t, &tok)
	return tok.Token
}

// userTokens counts the organization's tokens of the user email.
func userTokens(t *testing.T, e *env, email string) int {
	t.Helper()
	list, err := e.store.ListTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tk := range list {
		if tk.UserEmail == email {
			n++
		}
	}
	return n
}

// TestSignOutRevokesTheMintedToken: a sign-in through an auth provider
// mints a token for its session; signing out deletes that token at once
// (the per-request lookup then refuses it on every replica), and the old
// cookie opens nothing.
func TestSignOutRevokesTheMintedToken(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "gh", se.githubSpec(""))
	se.fake.SignInAs(authprovider.User{GitHubID: 42, Login: "octocat", Email: "octo@example.com", EmailVerified: true})
	b := newBrowser(t)
	signedIn(t, b.get(se.url+"/sign-in/acme/gh"), "octo@example.com", "viewer")
	c := cookieOf(t, se, b)
	if n := userTokens(t, se.env, "octo@example.com"); n != 1 {
		t.Fatalf("the sign-in minted %d tokens, want 1", n)
	}
	page := c.send("GET", "/sessions", nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "<td>gh</td>") || !strings.Contains(page.body, "(this one)") {
		t.Fatalf("the Sessions page does not show this browser's session through gh: %d %s", page.status, page.body)
	}
	if strings.Contains(page.body, c.cookie.Value) {
		t.Fatal("the Sessions page quotes the session cookie")
	}
	if a := c.send("POST", "/sign-out", url.Values{"csrf": {c.csrf("/sessions")}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", a.status, a.body)
	}
	if n := userTokens(t, se.env, "octo@example.com"); n != 0 {
		t.Fatalf("after sign-out %d tokens of the user remain; the minted one must be revoked", n)
	}
	expectConsoleSignIn(t, c.send("GET", "/", nil), "the signed-out cookie")
}

// TestSignOutKeepsAPastedToken: signing out of a console session opened
// with a pasted API token ends the session only; the token still works
// through the API.
func TestSignOutKeepsAPastedToken(t *testing.T) {
	e := newEnv(t)
	c := consoleSignIn(t, e, "viewer")
	if got := mySessions(t, e, "viewer"); len(got) != 1 || got[0].SignedInWith != api.SignedInWithToken || got[0].Current {
		t.Fatalf("the viewer's sessions: %+v; want the console one, opened with a token, not the API call's", got)
	}
	if a := c.send("POST", "/sign-out", url.Values{"csrf": {c.csrf("/sessions")}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", a.status, a.body)
	}
	if r := e.do("viewer", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("the pasted token stopped working when its console session signed out: %d %s", r.status, r.body)
	}
	if got := mySessions(t, e, "viewer"); len(got) != 0 {
		t.Fatalf("a signed-out session is still listed: %+v", got)
	}
	expectConsoleSignIn(t, c.send("GET", "/", nil), "the signed-out cookie")
}

// TestRevokingASessionFromAnother: a user signed in twice through a
// provider and once with the CLI lists the three sessions (how each
// signed in, never a token or cookie value); revoking one from the other's
// Sessions page signs it out at its next request; revoking the others
// from the CLI's token signs out the last browser and deletes its minted
// token; the CLI's logout revokes its own token (401 afterwards). Every
// revocation is audited; no token or cookie reaches an answer or the log.
func TestRevokingASessionFromAnother(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "gh", se.githubSpec(""))
	se.fake.SignInAs(authprovider.User{GitHubID: 42, Login: "octocat", Email: "octo@example.com", EmailVerified: true})
	b1, b2 := newBrowser(t), newBrowser(t)
	signedIn(t, b1.get(se.url+"/sign-in/acme/gh"), "octo@example.com", "viewer")
	signedIn(t, b2.get(se.url+"/sign-in/acme/gh"), "octo@example.com", "viewer")
	c1, c2 := cookieOf(t, se, b1), cookieOf(t, se, b2)
	se.tokens["cli"] = cliSignIn(t, se, c1)

	list := se.do("cli", "GET", api.MeSessionsPath, nil)
	var got api.ListSessionsResponse
	list.decode(t, &got)
	with := map[string]int{}
	var cliID string
	for _, ss := range got.Sessions {
		with[ss.Kind+" "+ss.SignedInWith]++
		if ss.Current {
			cliID = ss.ID
		}
	}
	if len(got.Sessions) != 3 || with["console gh"] != 2 || with["cli browser"] != 1 || cliID == "" {
		t.Fatalf("octo's sessions: %s; want two console sessions through gh and the current CLI sign-in", list.body)
	}
	for _, secret := range []string{c1.cookie.Value, c2.cookie.Value, se.tokens["cli"]} {
		if strings.Contains(string(list.body), secret) {
			t.Fatal("the list of sessions quotes a cookie or a token")
		}
	}

	// From the first browser's page, revoke the second browser.
	own, others := consoleSessionIDs(t, c1)
	second, _ := consoleSessionIDs(t, c2)
	if own == "" || !slices.Contains(others, second) || !slices.Contains(others, cliID) {
		t.Fatalf("the first browser's page: own %q, others %q; want the second browser %q and the CLI %q among the others", own, others, second, cliID)
	}
	csrf := c1.csrf("/sessions")
	if a := c1.send("POST", "/sessions/"+second+"/revoke", url.Values{"csrf": {"forged"}}); a.status != http.StatusForbidden {
		t.Fatalf("a revocation without the session's CSRF token: %d", a.status)
	}
	expectSessions := func(c *consoleClient, want int) {
		t.Helper()
		if a := c.send("GET", "/sessions", nil); a.status != want {
			t.Fatalf("GET /sessions: %d, want %d", a.status, want)
		}
	}
	expectSessions(c2, http.StatusOK)
	if a := c1.send("POST", "/sessions/"+second+"/revoke", url.Values{"csrf": {csrf}}); a.status != http.StatusSeeOther || a.header.Get("Location") != "/sessions?revoked=one" {
		t.Fatalf("revoking the second browser: %d %q %s", a.status, a.header.Get("Location"), a.body)
	}
	expectConsoleSignIn(t, c2.send("GET", "/", nil), "the revoked browser's next request")
	expectSessions(c1, http.StatusOK)

	// From the CLI, revoke every other session: the first browser too.
	var revoked api.RevokeSessionsResponse
	se.do("cli", "DELETE", api.MeSessionsPath, nil).decode(t, &revoked)
	if revoked.Revoked != 1 {
		t.Fatalf("revoking the others ended %d sessions, want 1 (the first browser)", revoked.Revoked)
	}
	expectConsoleSignIn(t, c1.send("GET", "/", nil), "the first browser after the CLI revoked the others")
	if n := userTokens(t, se.env, "octo@example.com"); n != 1 {
		t.Fatalf("%d tokens of octo remain; want only the CLI's (the browsers' minted tokens go with their sessions)", n)
	}

	// The CLI's logout: it revokes its own session, whose token then gets 401.
	if r := se.do("cli", "DELETE", api.MeSessionsPath+"/"+cliID, nil); r.status != http.StatusOK {
		t.Fatalf("the CLI revoking its own session: %d %s", r.status, r.body)
	}
	if r := se.do("cli", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("the logged-out CLI token answers %d, want 401", r.status)
	}

	recs := auditList(t, se.env, "owner", url.Values{"objectType": {"session"}}).AuditEvents
	var console, api1, api2 bool
	for _, ev := range recs {
		switch {
		case ev.Route == "POST /sessions/{session}/revoke" && ev.Action == "delete" && ev.ObjectID == second && ev.SessionID == own && ev.Status == http.StatusSeeOther:
			console = true
		case ev.Route == "DELETE "+api.MeSessionsPath && ev.Action == "delete" && ev.ActorEmail == "octo@example.com":
			api1 = true
		case ev.Route == "DELETE "+api.MeSessionsPath+"/{sessionId}" && ev.ObjectID == cliID:
			api2 = true
		}
	}
	if !console || !api1 || !api2 {
		t.Fatalf("audit records of the revocations (console %v, others %v, logout %v): %+v", console, api1, api2, recs)
	}
	logs := se.logs.String()
	for _, secret := range []string{c1.cookie.Value, c2.cookie.Value, se.tokens["cli"]} {
		if strings.Contains(logs, secret) {
			t.Fatal("the log holds a session cookie or a token")
		}
	}
}

// TestSessionsAreTheirUsersOwn: a user sees only their own sessions, and
// another user's session, named by its id, is not found (404) through the
// API and the console, in the same organization or another; it keeps
// working. A viewer revokes its own other sessions through the console.
func TestSessionsAreTheirUsersOwn(t *testing.T) {
	e := newEnv(t)
	owner := consoleSignIn(t, e, "owner")
	admin := consoleSignIn(t, e, "admin")
	ownerID, _ := consoleSessionIDs(t, owner)
	adminID, _ := consoleSessionIDs(t, admin)
	if ownerID == "" || adminID == "" {
		t.Fatalf("the Sessions pages mark no current session: owner %q, admin %q", ownerID, adminID)
	}
	for _, ss := range mySessions(t, e, "admin") {
		if ss.ID == ownerID {
			t.Fatal("the admin's list shows the owner's session")
		}
	}
	for _, who := range []string{"admin", "viewer", "other"} {
		if r := e.do(who, "DELETE", api.MeSessionsPath+"/"+ownerID, nil); r.status != http.StatusNotFound || r.err.Code != api.CodeNotFound {
			t.Fatalf("%s revoking the owner's session: %d %s; want 404", who, r.status, r.body)
		}
	}
	if a := admin.send("POST", "/sessions/"+ownerID+"/revoke", url.Values{"csrf": {admin.csrf("/sessions")}}); a.status != http.StatusNotFound {
		t.Fatalf("the admin's console revoking the owner's session: %d; want 404", a.status)
	}
	if r := e.do("admin", "DELETE", api.MeSessionsPath, nil); r.status != http.StatusOK {
		t.Fatalf("the admin revoking its other sessions: %d %s", r.status, r.body)
	}
	if a := owner.send("GET", "/", nil); a.status != http.StatusOK {
		t.Fatalf("the owner's session stopped working after others' revocations: %d", a.status)
	}

	// A viewer may use the page's forms: they act on its own sessions.
	v1, v2 := consoleSignIn(t, e, "viewer"), consoleSignIn(t, e, "viewer")
	if a := v1.send("POST", "/sessions/revoke-others", url.Values{"csrf": {v1.csrf("/sessions")}}); a.status != http.StatusSeeOther {
		t.Fatalf("a viewer revoking its other sessions: %d %s", a.status, a.body)
	}
	expectConsoleSignIn(t, v2.send("GET", "/", nil), "the viewer's other session")
	if a := v1.send("GET", "/sessions", nil); a.status != http.StatusOK || len(sessionRow.FindAllString(a.body, -1)) != 1 {
		t.Fatalf("the viewer's page after revoking the others: %d %s", a.status, a.body)
	}
	if r := e.do("viewer", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("revoking the viewer's sessions stopped its pasted token: %d", r.status)
	}
}

// TestSigningAUserOutEverywhere: an owner or admin ends every session of a
// user of the organization (the browser lands on the sign-in page) while
// the user's pasted API token keeps working; an admin may not sign an
// owner out; another organization's user is not found; a viewer may not.
func TestSigningAUserOutEverywhere(t *testing.T) {
	e := newEnv(t)
	v1, v2 := consoleSignIn(t, e, "viewer"), consoleSignIn(t, e, "viewer")
	viewer := principalOf(t, e, "viewer")
	ownerP := principalOf(t, e, "owner")
	owner := consoleSignIn(t, e, "owner")

	if r := e.do("viewer", "DELETE", "/api/v1/users/"+ownerP.User.ID+"/sessions", nil); r.status != http.StatusForbidden {
		t.Fatalf("a viewer signing the owner out: %d %s; want 403", r.status, r.body)
	}
	if r := e.do("admin", "DELETE", "/api/v1/users/"+ownerP.User.ID+"/sessions", nil); r.status != http.StatusForbidden || !strings.Contains(r.err.Message, "owner") {
		t.Fatalf("an admin signing the owner out: %d %s; want 403", r.status, r.body)
	}
	if r := e.do("other", "DELETE", "/api/v1/users/"+viewer.User.ID+"/sessions", nil); r.status != http.StatusNotFound {
		t.Fatalf("another organization's owner signing acme's viewer out: %d %s; want 404", r.status, r.body)
	}
	if a := owner.send("GET", "/", nil); a.status != http.StatusOK {
		t.Fatalf("the owner's session after refused sign-outs: %d", a.status)
	}

	var out api.RevokeSessionsResponse
	e.do("admin", "DELETE", "/api/v1/users/"+viewer.User.ID+"/sessions", nil).decode(t, &out)
	if out.Revoked != 2 {
		t.Fatalf("the admin signed the viewer out of %d sessions, want 2", out.Revoked)
	}
	expectConsoleSignIn(t, v1.send("GET", "/", nil), "the viewer's first browser")
	expectConsoleSignIn(t, v2.send("GET", "/", nil), "the viewer's second browser")
	if r := e.do("viewer", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
		t.Fatalf("the viewer's pasted token after being signed out everywhere: %d", r.status)
	}
	// The refusals are recorded too (denied), the other organization's
	// in its own trail.
	recs := auditList(t, e, "owner", url.Values{"action": {"revoke_sessions"}}).AuditEvents
	outcomes := map[string]int{}
	for _, ev := range recs {
		outcomes[ev.Outcome]++
		if ev.Outcome == "succeeded" && (ev.ObjectID != viewer.User.ID || ev.ObjectName != "viewer@example.com" || ev.ActorEmail != "admin@example.com") {
			t.Errorf("the record of signing the viewer out: %+v; want the admin naming the viewer", ev)
		}
	}
	if outcomes["succeeded"] != 1 || outcomes["denied"] != 2 || len(recs) != 3 {
		t.Fatalf("the audit records of signing users out: %v; want 1 succeeded and 2 denied", outcomes)
	}
}
