package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// consoleClient is a browser-like client of the console: it keeps the
// session cookie by hand and never follows redirects, so tests see them.
type consoleClient struct {
	t       *testing.T
	e       *env
	cookie  *http.Cookie
	headers map[string]string
}

type consoleAnswer struct {
	status int
	body   string
	header http.Header
}

func (c *consoleClient) send(method, path string, form url.Values) consoleAnswer {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.url+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends with a form posted from the console's own
		// page.
		req.Header.Set("Origin", c.e.url)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	if c.cookie != nil {
		req.AddCookie(c.cookie)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return consoleAnswer{status: res.StatusCode, body: string(b), header: res.Header}
}

// consoleSignIn pastes who's token into the sign-in form and keeps the cookie.
func consoleSignIn(t *testing.T, e *env, who string) *consoleClient {
	t.Helper()
	c := &consoleClient{t: t, e: e}
	a := c.send("POST", "/sign-in", url.Values{"token": {e.tokens[who]}, "next": {"/"}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" {
		t.Fatalf("sign-in as %s: %d (location %q) %s", who, a.status, a.header.Get("Location"), a.body)
	}
	for _, ck := range (&http.Response{Header: a.header}).Cookies() {
		if ck.Name == server.SessionCookie {
			c.cookie = ck
		}
	}
	if c.cookie == nil {
		t.Fatalf("sign-in set no %s cookie", server.SessionCookie)
	}
	return c
}

var consoleCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a page's form.
func (c *consoleClient) csrf(path string) string {
	c.t.Helper()
	a := c.send("GET", path, nil)
	m := consoleCSRFField.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no CSRF field in %s", path, a.status, a.body)
	}
	return m[1]
}

// expectConsoleSignIn checks that the answer sends the browser to sign in.
func expectConsoleSignIn(t *testing.T, a consoleAnswer, what string) {
	t.Helper()
	if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/sign-in") {
		t.Fatalf("%s: want a redirect to /sign-in, got %d (location %q)", what, a.status, a.header.Get("Location"))
	}
}

// consoleCanvas is a canvas "prod" with a manual source "button" and a noop
// stage "deploy" that waits for one approval and outputs the event's
// version.
func consoleCanvas(t *testing.T, e *env) {
	t.Helper()
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/stages", `{"stage":{"metadata":{"name":"deploy"},"spec":{
		"connections":[{"type":"TYPE_EVENT_SOURCE","name":"button"}],
		"conditions":[{"type":"CONDITION_TYPE_APPROVAL","approval":{"count":1}}],
		"inputs":[{"name":"VERSION"}],"inputMappings":[{"values":[{"name":"VERSION","valueFrom":{"eventData":{"connection":"button","expression":"$.version"}}}]}],
		"outputs":[{"name":"released"}],
		"executor":{"type":"noop","spec":{"outputs":{"released":"v${{ inputs.VERSION }}"}}}}}}`).decode(t, &api.StageResponse{})
}

func consoleRunEngine(t *testing.T, e *env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond, Lease: testLease})
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// TestConsoleSignInCookieAndHeaders: a pasted token opens a session whose
// cookie is HttpOnly, SameSite=Lax, Path=/ and holds no token; a wrong
// token is refused with the form again; every page carries the security
// headers; without a session a page sends the browser to sign in.
func TestConsoleSignInCookieAndHeaders(t *testing.T) {
	e := newEnv(t)
	anon := &consoleClient{t: t, e: e}
	expectConsoleSignIn(t, anon.send("GET", "/", nil), "GET / without a session")
	a := anon.send("GET", "/sign-in", nil)
	if a.status != http.StatusOK || !strings.Contains(a.body, `<label for="token">API token</label>`) {
		t.Fatalf("sign-in page: %d %s", a.status, a.body)
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'", "X-Frame-Options": "DENY",
		"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
	} {
		if !strings.Contains(a.header.Get(h), want) {
			t.Errorf("%s = %q, want it to contain %q", h, a.header.Get(h), want)
		}
	}
	if strings.Contains(a.header.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Errorf("the CSP allows inline script or style: %s", a.header.Get("Content-Security-Policy"))
	}

	bad := anon.send("POST", "/sign-in", url.Values{"token": {"spt_not-a-token"}})
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "invalid token") || bad.header.Get("Set-Cookie") != "" {
		t.Fatalf("a wrong token: %d, cookie %q, %s", bad.status, bad.header.Get("Set-Cookie"), bad.body)
	}
	empty := anon.send("POST", "/sign-in", url.Values{"token": {""}})
	if empty.status != http.StatusBadRequest || !strings.Contains(empty.body, "token: paste an API token") {
		t.Fatalf("an empty token: %d %s", empty.status, empty.body)
	}

	c := consoleSignIn(t, e, "owner")
	ck := c.cookie
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("cookie flags: HttpOnly %v SameSite %v Path %q Secure %v; want HttpOnly, Lax, /, not Secure over http", ck.HttpOnly, ck.SameSite, ck.Path, ck.Secure)
	}
	if strings.Contains(ck.Value, e.tokens["owner"]) || !strings.HasPrefix(ck.Value, "sps_") {
		t.Fatalf("the cookie is not a session id of its own: %q", ck.Value)
	}
	home := c.send("GET", "/", nil)
	if home.status != http.StatusOK || !strings.Contains(home.body, "owner@example.com") {
		t.Fatalf("GET / signed in: %d %s", home.status, home.body)
	}

	// Behind https (the base URL), the cookie is Secure.
	es := newEnv(t, withBaseURL("https://superplane.example.com"))
	if ck := consoleSignIn(t, es, "viewer").cookie; !ck.Secure {
		t.Fatal("over https the session cookie must be Secure")
	}

	// The sign-in form's next= stays on this server.
	for _, next := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`} {
		a := anon.send("POST", "/sign-in", url.Values{"token": {e.tokens["viewer"]}, "next": {next}})
		if a.status != http.StatusSeeOther || a.header.Get("Location") != "/" {
			t.Errorf("next=%q: sent to %q, want /", next, a.header.Get("Location"))
		}
	}
}

// consoleClock is a clock the test moves.
type consoleClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *consoleClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *consoleClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestConsoleSessionsEnd: signing out, revoking or regenerating the token,
// the token's expiry, 12 hours idle and 7 days in all each end a session at
// its next request.
func TestConsoleSessionsEnd(t *testing.T) {
	clock := &consoleClock{t: time.Now().UTC()}
	e := newEnv(t, withClock(clock.now))
	stillIn := func(c *consoleClient, what string) {
		t.Helper()
		if a := c.send("GET", "/", nil); a.status != http.StatusOK {
			t.Fatalf("%s: the session should still work; got %d (location %q)", what, a.status, a.header.Get("Location"))
		}
	}

	t.Run("sign out", func(t *testing.T) {
		c := consoleSignIn(t, e, "owner")
		csrf := c.csrf("/")
		if a := c.send("POST", "/sign-out", url.Values{"csrf": {"wrong"}}); a.status != http.StatusForbidden {
			t.Fatalf("sign-out without the CSRF token: %d", a.status)
		}
		stillIn(c, "after a refused sign-out")
		a := c.send("POST", "/sign-out", url.Values{"csrf": {csrf}})
		if a.status != http.StatusSeeOther || !strings.Contains(a.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("sign-out: %d, Set-Cookie %q", a.status, a.header.Get("Set-Cookie"))
		}
		expectConsoleSignIn(t, c.send("GET", "/", nil), "the signed-out cookie replayed")
	})

	t.Run("signing in again", func(t *testing.T) {
		c := consoleSignIn(t, e, "owner")
		first := c.cookie
		if a := c.send("POST", "/sign-in", url.Values{"token": {e.tokens["owner"]}}); a.status != http.StatusSeeOther {
			t.Fatalf("signing in again: %d %s", a.status, a.body)
		}
		expectConsoleSignIn(t, (&consoleClient{t: t, e: e, cookie: first}).send("GET", "/", nil), "the session replaced by a new sign-in")
	})

	t.Run("idle and maximum age", func(t *testing.T) {
		c := consoleSignIn(t, e, "owner")
		clock.add(11 * time.Hour)
		stillIn(c, "11 h idle")
		clock.add(11 * time.Hour)
		stillIn(c, "11 h idle again (used in between)")
		clock.add(12*time.Hour + time.Minute)
		expectConsoleSignIn(t, c.send("GET", "/", nil), "12 h idle")

		c = consoleSignIn(t, e, "owner")
		signedIn := clock.now()
		for range 20 {
			clock.add(11 * time.Hour)
			if a := c.send("GET", "/", nil); a.status != http.StatusOK {
				break
			}
		}
		if lasted := clock.now().Sub(signedIn); lasted < 7*24*time.Hour || lasted > 7*24*time.Hour+11*time.Hour {
			t.Fatalf("a session in use ended after %s, want 7 days", lasted)
		}
		expectConsoleSignIn(t, c.send("GET", "/", nil), "7 days after sign-in, in use all along")
	})

	t.Run("token revoked, regenerated or expired", func(t *testing.T) {
		c := consoleSignIn(t, e, "admin")
		tokens, err := e.store.ListTokens(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if tok.UserEmail == "admin@example.com" {
				if err := e.store.RevokeToken(context.Background(), tok.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		expectConsoleSignIn(t, c.send("GET", "/", nil), "after the token was revoked")

		c = consoleSignIn(t, e, "viewer")
		var regen api.RegenerateTokenResponse
		e.do("viewer", "POST", "/api/v1/me/token", nil).decode(t, &regen)
		expectConsoleSignIn(t, c.send("GET", "/", nil), "after the token was regenerated")
		e.tokens["viewer"] = regen.Token

		// A token with an expiry: the session ends with it.
		ctx := context.Background()
		tokens, err = e.store.ListTokens(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			if tok.UserEmail == "viewer@example.com" {
				next := tok.Token
				next.ID, next.ExpiresAt = "", clock.now().Add(time.Hour)
				next.Hash = service.HashToken(e.tokens["viewer"])
				if err := e.store.ReplaceToken(ctx, tok.ID, next); err != nil {
					t.Fatal(err)
				}
			}
		}
		c = consoleSignIn(t, e, "viewer")
		stillIn(c, "before the token expires")
		clock.add(time.Hour)
		expectConsoleSignIn(t, c.send("GET", "/", nil), "after the token expired")
	})
}

// TestConsoleFormsRefuseForgeries: an action needs the session's CSRF token
// and a same-origin post; a viewer sees no action buttons and is refused
// anyway; the owner's genuine post goes through.
func TestConsoleFormsRefuseForgeries(t *testing.T) {
	e := newEnv(t)
	consoleCanvas(t, e)
	var ev api.EventResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","raw":{"version":"1.2.3"}}`).decode(t, &ev)
	e.engine.Wake()
	// The engine is not running: route the event by hand, once.
	consoleRunEngine(t, e)
	var queued api.ListStageEventsResponse
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		e.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/events?states=STATE_WAITING", nil).decode(t, &queued)
		if len(queued.Events) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(queued.Events) != 1 {
		t.Fatalf("the event never waited for approval: %+v", queued)
	}
	stagePage := "/canvases/prod/stages/deploy"
	approve := stagePage + "/events/" + queued.Events[0].ID + "/approve"

	viewer := consoleSignIn(t, e, "viewer")
	page := viewer.send("GET", stagePage, nil)
	if page.status != http.StatusOK || !strings.Contains(page.body, "waiting") || strings.Contains(page.body, "Approve") || strings.Contains(page.body, "Discard") {
		t.Fatalf("the viewer's stage page should show the queue without Approve or Discard: %d %s", page.status, page.body)
	}
	if cv := viewer.send("GET", "/canvases/prod", nil); strings.Contains(cv.body, "Emit event") {
		t.Fatal("the viewer's canvas page offers to emit an event")
	}
	viewerCSRF := viewer.csrf("/")
	if a := viewer.send("POST", approve, url.Values{"csrf": {viewerCSRF}}); a.status != http.StatusForbidden || !strings.Contains(a.body, "may only read") {
		t.Fatalf("a viewer's approval with a valid CSRF token: %d %s", a.status, a.body)
	}

	owner := consoleSignIn(t, e, "owner")
	csrf := owner.csrf(stagePage)
	if !strings.Contains(owner.send("GET", stagePage, nil).body, `id="approve-`+queued.Events[0].ID+`"`) {
		t.Fatal("the owner's stage page has no Approve button")
	}
	refused := map[string]struct {
		form    url.Values
		headers map[string]string
	}{
		"no CSRF token":              {url.Values{}, nil},
		"another session's token":    {url.Values{"csrf": {viewerCSRF}}, nil},
		"posted from another origin": {url.Values{"csrf": {csrf}}, map[string]string{"Origin": "http://evil.example"}},
		"a cross-site fetch":         {url.Values{"csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
		"a same-site other origin":   {url.Values{"csrf": {csrf}}, map[string]string{"Sec-Fetch-Site": "same-site"}},
		"an opaque origin":           {url.Values{"csrf": {csrf}}, map[string]string{"Origin": "null"}},
	}
	for name, tc := range refused {
		owner.headers = tc.headers
		if a := owner.send("POST", approve, tc.form); a.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, a.status)
		}
	}
	owner.headers = nil
	e.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/events?states=STATE_WAITING", nil).decode(t, &queued)
	if len(queued.Events) != 1 || len(queued.Events[0].Approvals) != 0 {
		t.Fatalf("a refused post changed the queue: %+v", queued.Events)
	}
	if a := owner.send("POST", approve, url.Values{"csrf": {csrf}}); a.status != http.StatusSeeOther || a.header.Get("Location") != stagePage+"?done=approved" {
		t.Fatalf("the owner's approval: %d (location %q) %s", a.status, a.header.Get("Location"), a.body)
	}
	deadline = time.Now().Add(60 * time.Second)
	var execs api.ListExecutionsResponse
	for time.Now().Before(deadline) {
		e.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/executions", nil).decode(t, &execs)
		if len(execs.Executions) == 1 && execs.Executions[0].State == api.ExecutionStateFinished {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := owner.send("GET", stagePage, nil)
	if !strings.Contains(done.body, `data-result="RESULT_PASSED"`) || !strings.Contains(done.body, "v1.2.3") {
		t.Fatalf("the stage page does not show the passed execution with its output: %s", done.body)
	}
}

// TestConsoleEscapesHostileText: names, descriptions and payloads are text
// on every page, never markup.
func TestConsoleEscapesHostileText(t *testing.T) {
	e := newEnv(t)
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	e.do("owner", "POST", "/api/v1/canvases", api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod", Description: hostile}}}).decode(t, &api.CanvasResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	owner := consoleSignIn(t, e, "owner")
	csrf := owner.csrf("/canvases/prod")
	if a := owner.send("POST", "/canvases/prod/events", url.Values{"csrf": {csrf}, "source": {"button"}, "type": {hostile},
		"payload": {`{"title":"` + strings.ReplaceAll(hostile, `"`, `\"`) + `"}`}}); a.status != http.StatusSeeOther {
		t.Fatalf("emit: %d %s", a.status, a.body)
	}
	for _, path := range []string{"/", "/canvases/prod"} {
		a := owner.send("GET", path, nil)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, a.status, a.body)
		}
		if strings.Contains(a.body, "<script>alert") || strings.Contains(a.body, "<img src=x") {
			t.Fatalf("GET %s shows hostile text as markup: %s", path, a.body)
		}
		if path == "/canvases/prod" && (!strings.Contains(a.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(a.body, "&lt;img src=x onerror=alert(2)&gt;")) {
			t.Fatalf("the hostile description or payload is not shown escaped: %s", a.body)
		}
	}
	if a := owner.send("POST", "/canvases/prod/events", url.Values{"csrf": {csrf}, "source": {"button"}, "payload": {"[1,2"}}); a.status != http.StatusBadRequest || !strings.Contains(a.body, "payload: must be a JSON object") {
		t.Fatalf("a payload that is not JSON: %d %s", a.status, a.body)
	}
}

// TestConsoleShowsNoSecretValue: the secrets page lists names, key names
// and versions, and no page shows a value.
func TestConsoleShowsNoSecretValue(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	const value = "s3cr3t-value-never-shown"
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "acme", "deploy-keys", map[string]string{"GITHUB_TOKEN": value})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "canvas-keys", map[string]string{"API_KEY": value})).decode(t, &api.SecretResponse{})
	viewer := consoleSignIn(t, e, "viewer")
	org := viewer.send("GET", "/secrets", nil)
	if org.status != http.StatusOK || !strings.Contains(org.body, "deploy-keys") || !strings.Contains(org.body, "GITHUB_TOKEN") || !strings.Contains(org.body, "<td>1</td>") {
		t.Fatalf("the secrets page should list the name, keys and version: %d %s", org.status, org.body)
	}
	canvas := viewer.send("GET", "/secrets?canvas=prod", nil)
	if !strings.Contains(canvas.body, "canvas-keys") || !strings.Contains(canvas.body, "API_KEY") {
		t.Fatalf("the canvas's secrets page: %s", canvas.body)
	}
	for _, path := range []string{"/", "/secrets", "/secrets?canvas=prod", "/integrations", "/canvases/prod"} {
		if a := viewer.send("GET", path, nil); a.status != http.StatusOK || strings.Contains(a.body, value) {
			t.Fatalf("GET %s: %d, or it shows a secret value", path, a.status)
		}
	}
	if strings.Contains(e.logs.String(), value) || strings.Contains(e.logs.String(), viewer.cookie.Value) {
		t.Fatal("the log holds a secret value or a session id")
	}
}

// TestConsoleRoutesNeedASession: every console route but the sign-in page
// and the static files refuses a request without a session.
func TestConsoleRoutesNeedASession(t *testing.T) {
	e := newEnv(t)
	consoleCanvas(t, e)
	anon := &consoleClient{t: t, e: e}
	fill := strings.NewReplacer("{canvas}", "prod", "{stage}", "deploy", "{event}", "00000000-0000-4000-8000-000000000000",
		"{alert}", "00000000-0000-4000-8000-000000000000", "{execution}", "00000000-0000-4000-8000-000000000000", "{file}", "console.css", "{$}", "")
	for _, route := range e.server.ConsoleRoutes() {
		method, pattern, _ := strings.Cut(route, " ")
		path := fill.Replace(pattern)
		switch {
		case strings.HasPrefix(pattern, "/static/"), pattern == "/sign-in" && method == "GET":
			if a := anon.send(method, path, nil); a.status != http.StatusOK {
				t.Errorf("%s %s: %d, want 200 without a session", method, path, a.status)
			}
		case pattern == "/sign-in", pattern == "/sign-out", strings.HasPrefix(pattern, "/sign-in/"), strings.HasPrefix(pattern, "/cli-sign-in"):
			// Sign-in routes take no session; signin_test.go covers them
			// (the CLI's page sends a browser without one to sign in).
		case method == "GET":
			expectConsoleSignIn(t, anon.send(method, path, nil), route)
		default:
			if a := anon.send(method, path, url.Values{"csrf": {"x"}}); a.status != http.StatusSeeOther && a.status != http.StatusForbidden {
				t.Errorf("%s without a session: %d", route, a.status)
			}
		}
	}
}

// TestConsoleAlertsAndRejections: a stage whose input mapping fails raises
// an alert and a rejection; the canvas page shows both, the owner
// acknowledges the alert with its button, and the viewer sees no button.
func TestConsoleAlertsAndRejections(t *testing.T) {
	se := newStageEnv(t)
	mapping := httpStage("build", se.recvURL)
	mapping.Stage.Spec.InputMappings[0].Values[0].ValueFrom.EventData.Expression = "replace($.s, 'a', $.s)"
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", mapping).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","s":"`+strings.Repeat("a", 8000)+`"}`)
	alerts := waitAlerts(t, se.env, "", func(a []api.Alert) bool { return len(a) > 0 })
	if len(alerts) != 1 {
		t.Fatalf("want one alert, got %+v", alerts)
	}
	waitRejections(t, se.env, "targetType=TYPE_STAGE&targetId=build", 1)

	viewer := consoleSignIn(t, se.env, "viewer")
	page := viewer.send("GET", "/canvases/prod", nil)
	if !strings.Contains(page.body, "stage build") || !strings.Contains(page.body, "error by stage build") || strings.Contains(page.body, "Acknowledge</button>") {
		t.Fatalf("the viewer's canvas page should show the alert and the rejection, without an Acknowledge button: %s", page.body)
	}
	owner := consoleSignIn(t, se.env, "owner")
	page = owner.send("GET", "/canvases/prod", nil)
	if !strings.Contains(page.body, `id="ack-`+alerts[0].ID+`"`) {
		t.Fatalf("the owner's canvas page has no Acknowledge button for the alert: %s", page.body)
	}
	csrf := consoleCSRFField.FindStringSubmatch(page.body)[1]
	if a := owner.send("POST", "/canvases/prod/alerts/"+alerts[0].ID+"/acknowledge", url.Values{"csrf": {csrf}}); a.status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d %s", a.status, a.body)
	}
	if open := listAlerts(t, se.env, ""); len(open) != 0 {
		t.Fatalf("the alert is still open after the console acknowledged it: %+v", open)
	}
	if page := owner.send("GET", "/canvases/prod?done=acknowledged", nil); !strings.Contains(page.body, "Alert acknowledged.") {
		t.Fatalf("no notice after acknowledging: %s", page.body)
	}
}

// TestConsoleIntegrations: the integrations page shows each integration's
// type, URL and verification status.
func TestConsoleIntegrations(t *testing.T) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo"})
	gh.AddRepo("acme", "app", "octocat")
	e := newEnv(t, withTools(fakeTools(gh.URL(), gh.URL())))
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "tokens", map[string]string{"github": goodGitHubToken, "bad": "ghp_wrong"})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gh", "github", "https://github.com/acme", "tokens", "github")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gh-broken", "github", "https://github.com/acme", "tokens", "bad")).decode(t, &api.IntegrationResponse{})
	page := consoleSignIn(t, e, "viewer").send("GET", "/integrations", nil)
	ok := regexp.MustCompile(`<td>gh</td><td>github</td><td>https://github.com/acme</td>\s*<td><span class="tone-ok">ok</span>`)
	failed := regexp.MustCompile(`<td>gh-broken</td><td>github</td><td>https://github.com/acme</td>\s*<td><span class="tone-bad">failed</span>: [^<]+`)
	if page.status != http.StatusOK || !ok.MatchString(page.body) || !failed.MatchString(page.body) {
		t.Fatalf("the integrations page should show gh verified and gh-broken failed with its reason: %d %s", page.status, page.body)
	}
	if strings.Contains(page.body, goodGitHubToken) || strings.Contains(page.body, "ghp_wrong") {
		t.Fatal("the integrations page shows a token")
	}
}
