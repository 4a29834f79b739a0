package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// budgetOptions give a budget of four 1 MiB bodies: each share, the
// anonymous one included, is 1 MiB.
func budgetOptions() envOption {
	const limit = 1 << 20
	return envOption{srv: []server.Option{server.WithWebhookBodyLimit(limit), server.WithWebhookInflightLimit(4 * limit)}}
}

// slowBody is a request whose head and first bytes are sent and whose rest
// waits, holding its reservation until it is finished or hung up.
type slowBody struct {
	conn net.Conn
	rest string
	// answered gets the answer's status, or 0 when the connection ended
	// without one.
	answered chan int
}

// sendSlow opens a request for path declaring body's length and sends 16
// bytes of it. A refused request is answered at once when 256 KiB or more
// of its body are unsent (the HTTP server does not wait for a body that
// large before answering), so a holder that did not get its reservation
// shows on answered.
func sendSlow(t *testing.T, e *env, path string, header map[string]string, body string) *slowBody {
	t.Helper()
	host := strings.TrimPrefix(e.url, "http://")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	var head strings.Builder
	fmt.Fprintf(&head, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", path, host, len(body))
	for k, v := range header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	head.WriteString("\r\n" + body[:16])
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatal(err)
	}
	sb := &slowBody{conn: conn, rest: body[16:], answered: make(chan int, 1)}
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			sb.answered <- 0
			return
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		sb.answered <- res.StatusCode
	}()
	return sb
}

// finish sends the rest of the body and returns the answer's status (the
// connection's 30 s deadline bounds the wait).
func (sb *slowBody) finish() int {
	_, _ = io.WriteString(sb.conn, sb.rest)
	status := <-sb.answered
	_ = sb.conn.Close()
	return status
}

// refused reports whether the request was answered before its body was
// sent: it never got its reservation.
func (sb *slowBody) refused() bool {
	select {
	case status := <-sb.answered:
		sb.answered <- status
		return true
	default:
		return false
	}
}

// publicAnswer is an answer's status, Retry-After, Content-Type and body.
type publicAnswer struct {
	status     int
	retryAfter string
	mediaType  string
	location   string
	body       string
}

// postPublic posts body to path with the headers given; a body of unknown
// length (chunked) when chunked.
func postPublic(t *testing.T, e *env, path string, header map[string]string, body string, chunked bool) publicAnswer {
	t.Helper()
	var rd io.Reader = strings.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd)
	}
	req, err := http.NewRequestWithContext(t.Context(), "POST", e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return publicAnswer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After"), mediaType: res.Header.Get("Content-Type"), location: res.Header.Get("Location"), body: string(b)}
}

var (
	jsonHeader = map[string]string{"Content-Type": "application/json"}
	formHeader = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
)

// waitWhole polls, for at most five seconds, until a request that needs a
// whole 1 MiB share is admitted: a 1 MiB body that is not JSON, to the
// CLI's code exchange (the anonymous share) and, when token is set, to an
// API write with that token (its organization's share). Admitted, either
// answers 400; while any of the share is held, 503.
func waitWhole(t *testing.T, e *env, what, token string) {
	t.Helper()
	big := strings.Repeat("x", 1<<20)
	probes := []struct {
		name, path string
		header     map[string]string
	}{{"the anonymous share", api.CLISignInTokenPath, jsonHeader}}
	if token != "" {
		probes = append(probes, struct {
			name, path string
			header     map[string]string
		}{"the organization's share", "/api/v1/secrets", map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + token}})
	}
	for _, p := range probes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			a := postPublic(t, e, p.path, p.header, big, false)
			if a.status == http.StatusBadRequest {
				break
			}
			if a.status != http.StatusServiceUnavailable {
				t.Fatalf("after %s: probing %s: %d %s, want 400 (admitted) or 503", what, p.name, a.status, a.body)
			}
			if time.Now().After(deadline) {
				t.Fatalf("after %s: %s is still not whole after 30 s: a reservation was not released", what, p.name)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// TestPublicBodiesShareTheAnonymousQuarter: the routes that read a body
// before they know who sends it draw on one anonymous share. With a budget
// of four 1 MiB bodies, slow CLI code exchanges hold that share; then every token-less route that reads a body (the
// output push, the code exchange, the sign-in, provider sign-in and
// sign-out forms) answers 503 with Retry-After (the forms with the
// console's page), while the organization's API writes and its signed-in
// console forms, on its own share, are served, and a delivery to an id
// that names no source, on the receivers' share for those, is read and
// refused 401. Once half the slow clients finish and half hang up,
// the share is whole again.
func TestPublicBodiesShareTheAnonymousQuarter(t *testing.T) {
	e := newEnv(t, budgetOptions())
	// Signed in before the flood: the sign-in form is anonymous.
	c := consoleSignIn(t, e, "owner")
	csrf := c.csrf("/sessions")

	// Three code exchanges of 320, 320 and 384 KiB (each reserves its
	// length) fill the 1 MiB share exactly. Every one leaves 256 KiB or
	// more unsent, so a holder refused because a probe held a few bytes at
	// that moment is answered at once and replaced. (An output push can no
	// longer hold its share this way: one declaring more than its 64 KiB is
	// refused 413 before its body is read.)
	type holder struct {
		path string
		size int
	}
	kinds := []holder{{api.CLISignInTokenPath, 320 << 10}, {api.CLISignInTokenPath, 320 << 10}, {api.CLISignInTokenPath, 384 << 10}}
	open := func(k holder) *slowBody {
		return sendSlow(t, e, k.path, jsonHeader, `{"pad":"`+strings.Repeat("x", k.size-len(`{"pad":""}`))+`"}`)
	}
	holders := make([]*slowBody, len(kinds))
	for i, k := range kinds {
		holders[i] = open(k)
	}
	replaced := 0
	// Within the holders' 30 s connection deadline.
	deadline := time.Now().Add(20 * time.Second)
	for {
		for i, h := range holders {
			if h.refused() {
				if replaced++; replaced > 50 {
					t.Fatal("slow holders refused 50 times: the share never filled")
				}
				_ = h.conn.Close()
				holders[i] = open(kinds[i])
			}
		}
		if a := postPublic(t, e, api.OutputsPath, jsonHeader, `{`, false); a.status == http.StatusServiceUnavailable {
			break
		} else if a.status != http.StatusBadRequest {
			t.Fatalf("an output push before the share filled: %d %s, want 400", a.status, a.body)
		}
		if time.Now().After(deadline) {
			t.Fatal("output pushes still read after 20 s of slow bodies filling the anonymous share: nothing bounds them")
		}
		time.Sleep(10 * time.Millisecond)
	}

	signOut := url.Values{"csrf": {"x"}}.Encode()
	for _, r := range []struct {
		what, path, body string
		header           map[string]string
		page             bool
	}{
		{"an output push", api.OutputsPath, `{"executionId":"x","outputs":{"A":"1"}}`, jsonHeader, false},
		{"a CLI code exchange", api.CLISignInTokenPath, `{"code":"x","codeVerifier":"y"}`, jsonHeader, false},
		{"the sign-in form", "/sign-in", url.Values{"token": {e.tokens["owner"]}}.Encode(), formHeader, true},
		{"a provider's sign-in form", "/sign-in/acme/backstage", url.Values{"token": {"x"}}.Encode(), formHeader, true},
		{"the sign-out form", "/sign-out", signOut, formHeader, true},
	} {
		a := postPublic(t, e, r.path, r.header, r.body, false)
		if a.status != http.StatusServiceUnavailable || a.retryAfter != "5" {
			t.Errorf("%s while the anonymous share is full: %d, Retry-After %q; want 503, 5 (%s)", r.what, a.status, a.retryAfter, a.body)
		}
		if r.page && (!strings.HasPrefix(a.mediaType, "text/html") || !strings.Contains(a.body, "try again later")) {
			t.Errorf("%s refused: %s %q, want the console's error page saying to try again later", r.what, a.mediaType, a.body)
		}
	}
	// Deliveries to ids that name no source have a share of their own: a
	// flood of those does not refuse sign-ins, nor this share theirs.
	if a := postPublic(t, e, "/api/v1/sources/00000000-0000-4000-8000-000000000000", map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte("k"), []byte(`{"n":1}`))}, `{"n":1}`, false); a.status != http.StatusUnauthorized {
		t.Errorf("a delivery to an id that names no source while the anonymous routes' share is full: %d %s, want 401 (read and refused)", a.status, a.body)
	}
	if r := e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "during", map[string]string{"K": "v"})); r.status != http.StatusOK && r.status != http.StatusCreated {
		t.Errorf("acme's API write while the anonymous share is full: %d %s", r.status, r.body)
	}
	if a := c.send("POST", "/sessions/revoke-others", url.Values{"csrf": {csrf}}); a.status != http.StatusSeeOther {
		t.Errorf("acme's console form while the anonymous share is full: %d %s, want 303", a.status, a.body)
	}

	for i, h := range holders {
		if i%2 == 1 {
			_ = h.conn.Close()
			continue
		}
		if status := h.finish(); status == 0 || status == http.StatusServiceUnavailable {
			t.Errorf("slow body %d (%s) once finished: %d, want an answer to its body", i, kinds[i].path, status)
		}
	}
	waitWhole(t, e, "half the slow clients finished and half hung up", "")
	if a := postPublic(t, e, "/sign-in", formHeader, url.Values{"token": {e.tokens["owner"]}, "next": {"/"}}.Encode(), false); a.status != http.StatusSeeOther {
		t.Errorf("the sign-in form once the share is whole: %d %s, want 303", a.status, a.body)
	}
}

// TestPublicBodiesReleasedOnEveryPath: whatever the token-less routes and
// the console's forms answer (success, 400, 401, 403, 404, 413, a chunked
// body over the limit), the share the body drew on is whole again
// afterwards: a 1 MiB body fits the anonymous share and acme's. Success
// covers an output push, both sign-in forms, a console form and the CLI's
// browser sign-in (its form, then its code exchange).
func TestPublicBodiesReleasedOnEveryPath(t *testing.T) {
	ce := newChainEnv(t, "github", 1_000_000, budgetOptions())
	e := ce.env
	ce.gh.SetWorkflowInputs("acme", "app", "build.yml", []string{api.GitHubExecutionIDInput, api.GitHubOutputTokenInput})
	ce.push(t)
	build := ce.runningBuild(t)
	outputToken, _ := ce.gh.Dispatches("acme", "app")[0].Inputs[api.GitHubOutputTokenInput].(string)
	c := consoleSignIn(t, e, "owner")
	csrf := c.csrf("/sessions")
	waitWhole(t, e, "the console sign-in", e.tokens["owner"])

	bearer := func(tok string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + tok}
	}
	session := func(extra map[string]string) map[string]string {
		h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Cookie": c.cookie.Name + "=" + c.cookie.Value}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	overForm := "token=" + strings.Repeat("x", 64<<10)
	for _, r := range []struct {
		what, path, body string
		header           map[string]string
		chunked          bool
		want             int
	}{
		{"an output push", api.OutputsPath, `{"executionId":"` + build.ID + `","outputs":{"VERSION":"1.0.0"}}`, bearer(outputToken), false, http.StatusOK},
		{"an output push with a wrong token", api.OutputsPath, `{"executionId":"` + build.ID + `","outputs":{"VERSION":"1"}}`, bearer("spo_wrong"), false, http.StatusUnauthorized},
		{"an output push that is not JSON", api.OutputsPath, `{`, jsonHeader, false, http.StatusBadRequest},
		{"an output push over its limit", api.OutputsPath, strings.Repeat("x", api.MaxPushOutputsRequest+1), jsonHeader, false, http.StatusRequestEntityTooLarge},
		{"a chunked output push over its limit", api.OutputsPath, strings.Repeat("x", api.MaxPushOutputsRequest+1), jsonHeader, true, http.StatusRequestEntityTooLarge},
		{"a CLI code exchange with an unknown code", api.CLISignInTokenPath, `{"code":"x","codeVerifier":"` + strings.Repeat("v", 43) + `"}`, jsonHeader, false, http.StatusBadRequest},
		{"a chunked CLI code exchange over its limit", api.CLISignInTokenPath, strings.Repeat("x", 1<<20+1), jsonHeader, true, http.StatusRequestEntityTooLarge},
		{"the sign-in form", "/sign-in", url.Values{"token": {e.tokens["viewer"]}, "next": {"/"}}.Encode(), formHeader, false, http.StatusSeeOther},
		{"the sign-in form with a wrong token", "/sign-in", url.Values{"token": {"spt_wrong"}}.Encode(), formHeader, false, http.StatusUnauthorized},
		{"the sign-in form over its limit", "/sign-in", overForm, formHeader, false, http.StatusBadRequest},
		{"a chunked sign-in form over its limit", "/sign-in", overForm, formHeader, true, http.StatusBadRequest},
		{"an unknown provider's sign-in form", "/sign-in/acme/nobody", url.Values{"token": {"x"}}.Encode(), formHeader, false, http.StatusNotFound},
		{"the sign-out form without its CSRF token", "/sign-out", url.Values{"csrf": {"x"}}.Encode(), session(nil), false, http.StatusForbidden},
		{"the CLI sign-in form without its CSRF token", "/cli-sign-in", url.Values{"csrf": {"x"}}.Encode(), session(nil), false, http.StatusForbidden},
		{"a console form without its CSRF token", "/sessions/revoke-others", url.Values{"csrf": {"x"}}.Encode(), session(nil), false, http.StatusForbidden},
		{"a console form over its limit", "/sessions/revoke-others", "csrf=" + strings.Repeat("x", 1<<20), session(nil), false, http.StatusBadRequest},
		{"a chunked console form over its limit", "/sessions/revoke-others", "csrf=" + strings.Repeat("x", 1<<20), session(nil), true, http.StatusBadRequest},
		{"a console form", "/sessions/revoke-others", url.Values{"csrf": {csrf}}.Encode(), session(nil), false, http.StatusSeeOther},
	} {
		a := postPublic(t, e, r.path, r.header, r.body, r.chunked)
		if a.status != r.want {
			t.Errorf("%s: %d %s, want %d", r.what, a.status, a.body, r.want)
		}
		waitWhole(t, e, r.what, e.tokens["owner"])
	}

	// The CLI's browser sign-in that succeeds: the form (acme's share),
	// then the code exchange (the anonymous one).
	verifier := strings.Repeat("s", 50)
	form := url.Values{"port": {"45679"}, "state": {"cli-state-admission-01"}, "challenge": {service.S256Challenge(verifier)}}
	form.Set("csrf", c.csrf("/cli-sign-in?"+form.Encode()))
	a := postPublic(t, e, "/cli-sign-in", session(nil), form.Encode(), false)
	if a.status != http.StatusSeeOther {
		t.Fatalf("the CLI sign-in form: %d %s, want 303", a.status, a.body)
	}
	waitWhole(t, e, "the CLI sign-in form", e.tokens["owner"])
	loc, err := url.Parse(a.location)
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("the CLI sign-in form sends the browser to %q: no code", a.location)
	}
	exchange, err := json.Marshal(api.CLISignInTokenRequest{Code: loc.Query().Get("code"), Verifier: verifier})
	if err != nil {
		t.Fatal(err)
	}
	if a := postPublic(t, e, api.CLISignInTokenPath, jsonHeader, string(exchange), false); a.status != http.StatusOK {
		t.Errorf("the CLI code exchange: %d %s, want 200", a.status, a.body)
	}
	waitWhole(t, e, "the CLI code exchange", e.tokens["owner"])
}
