package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/authprovider"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

const (
	testTenant       = "8f3c2a1e-5b6d-4c7e-9f00-1a2b3c4d5e6f"
	testClientSecret = "fake-client-secret-d1c9e7"
)

// signInEnv is a server whose base URL is known up front (the redirect
// URI the fake checks), with the auth providers' fake on loopback.
type signInEnv struct {
	*env
	fake *authprovider.Fake
}

func newSignInEnv(t *testing.T, opts ...envOption) *signInEnv {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := authprovider.New(t)
	f.AddClient("superplane-app", testClientSecret)
	tools := &integration.Verifier{Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	all := append([]envOption{{ln: ln}, withBaseURL("http://" + ln.Addr().String()), withTools(tools)}, opts...)
	return &signInEnv{env: newEnv(t, all...), fake: f}
}

func withGuestSignIn() envOption {
	return envOption{svc: []service.Option{service.WithGuestSignIn(true)}}
}

// addProvider creates an auth provider as the owner; spec is the JSON of
// its spec.
func (se *signInEnv) addProvider(t *testing.T, name, spec string) api.AuthProvider {
	t.Helper()
	var out api.AuthProviderResponse
	se.do("owner", "POST", "/api/v1/auth-providers", fmt.Sprintf(`{"authProvider":{"metadata":{"name":%q},"spec":%s}}`, name, spec)).decode(t, &out)
	return *out.AuthProvider
}

func (se *signInEnv) githubSpec(extra string) string {
	return `{"type":"github","clientId":"superplane-app","clientSecret":{"value":"` + testClientSecret + `"},"url":"` + se.fake.URL() + `"` + extra + `}`
}

func (se *signInEnv) entraSpec(extra string) string {
	return `{"type":"entra","clientId":"superplane-app","clientSecret":{"value":"` + testClientSecret + `"},"tenant":"` + testTenant + `","url":"` + se.fake.URL() + `"` + extra + `}`
}

func (se *signInEnv) googleSpec(extra string) string {
	return `{"type":"google","clientId":"superplane-app","clientSecret":{"value":"` + testClientSecret + `"},"hostedDomain":"example.com","url":"` + se.fake.URL() + `/google"` + extra + `}`
}

// browser is a cookie-keeping client that follows redirects, as a browser
// does, across the server and the fake.
type browser struct {
	t  *testing.T
	hc *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

type page struct {
	status int
	body   string
	url    *url.URL
}

func (b *browser) get(u string) page {
	b.t.Helper()
	res, err := b.hc.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(body), url: res.Request.URL}
}

func (b *browser) post(base, path string, form url.Values) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(body), url: res.Request.URL}
}

// session is the browser's session cookie for the server, or "".
func (b *browser) session(base string) string {
	u, _ := url.Parse(base)
	for _, c := range b.hc.Jar.Cookies(u) {
		if c.Name == server.SessionCookie {
			return c.Value
		}
	}
	return ""
}

// signedIn checks the browser landed on the console signed in as email
// with role.
func signedIn(t *testing.T, p page, email, role string) {
	t.Helper()
	if p.status != http.StatusOK || p.url.Path != "/" || !strings.Contains(p.body, email) || !strings.Contains(p.body, `data-role="`+role+`"`) {
		t.Fatalf("want the console signed in as %s (%s); got %d at %s: %s", email, role, p.status, p.url, p.body)
	}
}

// refused checks the browser is back on the sign-in page with a 401 whose
// message contains why, and holds no session.
func refused(t *testing.T, b *browser, base string, p page, why string) {
	t.Helper()
	if p.status != http.StatusUnauthorized || !strings.Contains(p.body, why) {
		t.Fatalf("want a refusal saying %q; got %d at %s: %s", why, p.status, p.url, p.body)
	}
	if b.session(base) != "" {
		t.Fatal("a refused sign-in left a session cookie")
	}
}

// TestSignInGitHub runs the OAuth app flow end to end: the button, GitHub's
// authorize page, the code exchanged with the PKCE verifier and the client
// secret, the verified primary email from /user/emails, the allowed
// organization; a new user is provisioned with the default role (viewer,
// who cannot write), and a second sign-in finds the same user.
func TestSignInGitHub(t *testing.T) {
	se := newSignInEnv(t)
	consoleCanvas(t, se.env)
	se.addProvider(t, "gh", se.githubSpec(`,"allowedOrganization":"acme-corp","allowedEmailDomains":["example.com"]`))
	octo := authprovider.User{GitHubID: 42, Login: "octocat", Email: "Octo@Example.com", EmailVerified: true, Orgs: []string{"acme-corp"}}
	se.fake.SignInAs(octo)

	b := newBrowser(t)
	// The page names no organization until the visitor names one.
	if anon := b.get(se.url + "/sign-in"); strings.Contains(anon.body, "acme") || !strings.Contains(anon.body, `name="org"`) {
		t.Fatalf("the sign-in page without ?org= lists an organization or asks for none: %s", anon.body)
	}
	signInPage := b.get(se.url + "/sign-in?org=acme")
	if !strings.Contains(signInPage.body, `href="/sign-in/acme/gh?next=%2f"`) || !strings.Contains(signInPage.body, "Sign in to acme with GitHub") {
		t.Fatalf("the sign-in page has no GitHub button: %s", signInPage.body)
	}
	if other := b.get(se.url + "/sign-in?org=globex"); strings.Contains(other.body, "/sign-in/acme/") {
		t.Fatalf("another organization's sign-in page shows acme's buttons: %s", other.body)
	}
	signedIn(t, b.get(se.url+"/sign-in/acme/gh"), "octo@example.com", "viewer")

	// A viewer's form post is refused (the session carries the role).
	ck := &http.Cookie{Name: server.SessionCookie, Value: b.session(se.url)}
	c := &consoleClient{t: t, e: se.env, cookie: ck}
	csrf := c.csrf("/canvases/prod")
	if a := c.send("POST", "/canvases/prod/events", url.Values{"csrf": {csrf}, "source": {"button"}, "payload": {`{"version":"1"}`}}); a.status != http.StatusForbidden {
		t.Fatalf("a viewer signed in through GitHub posted an event: %d %s", a.status, a.body)
	}

	// The same GitHub account again: the same user.
	b2 := newBrowser(t)
	signedIn(t, b2.get(se.url+"/sign-in/acme/gh"), "octo@example.com", "viewer")
	tokens, err := se.store.ListTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]bool{}
	for _, tk := range tokens {
		if tk.UserEmail == "octo@example.com" {
			users[tk.UserID] = true
		}
	}
	if len(users) != 1 {
		t.Fatalf("two sign-ins of one GitHub account made %d users", len(users))
	}

	for _, tc := range []struct {
		name string
		user authprovider.User
		why  string
	}{
		{"unverified email", authprovider.User{GitHubID: 43, Login: "u", Email: "u@example.com", Orgs: []string{"acme-corp"}}, "no verified primary email"},
		{"not a member", authprovider.User{GitHubID: 44, Login: "m", Email: "m@example.com", EmailVerified: true}, "not an active member of acme-corp"},
		{"other domain", authprovider.User{GitHubID: 45, Login: "d", Email: "d@elsewhere.org", EmailVerified: true, Orgs: []string{"acme-corp"}}, "domain is not one this organization allows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			se.fake.SignInAs(tc.user)
			b := newBrowser(t)
			refused(t, b, se.url, b.get(se.url+"/sign-in/acme/gh"), tc.why)
		})
	}
}

// noFollow is a client of the same jar that stops at each redirect, to
// walk a flow step by step.
func (b *browser) noFollow() *http.Client {
	return &http.Client{Jar: b.hc.Jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func location(t *testing.T, hc *http.Client, u string) string {
	t.Helper()
	res, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 3 {
		t.Fatalf("GET %s: %d, want a redirect", u, res.StatusCode)
	}
	return res.Header.Get("Location")
}

// TestSignInFlowBindings: the callback is refused when its state is not
// the browser's, when the browser has no flow cookie, and when the PKCE
// verifier is not the one the challenge was made from (the provider
// refuses the code).
func TestSignInFlowBindings(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "gh", se.githubSpec(""))
	se.fake.SignInAs(authprovider.User{GitHubID: 7, Login: "x", Email: "x@example.com", EmailVerified: true})

	walk := func(b *browser) string {
		hc := b.noFollow()
		authorize := location(t, hc, se.url+"/sign-in/acme/gh")
		if !strings.Contains(authorize, "code_challenge_method=S256") || !strings.Contains(authorize, "state=") {
			t.Fatalf("the authorization URL has no PKCE challenge or state: %s", authorize)
		}
		return location(t, hc, authorize)
	}

	t.Run("state mismatch", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := url.Parse(walk(b))
		q := cb.Query()
		q.Set("state", "forged-state")
		cb.RawQuery = q.Encode()
		refused(t, b, se.url, b.get(cb.String()), "the state does not match")
	})
	t.Run("no flow cookie", func(t *testing.T) {
		cb := walk(newBrowser(t))
		other := newBrowser(t)
		refused(t, other, se.url, other.get(cb), "no sign-in in progress")
	})
	t.Run("PKCE verifier mismatch", func(t *testing.T) {
		b := newBrowser(t)
		cb := walk(b)
		base, _ := url.Parse(se.url + "/sign-in/")
		for _, c := range b.hc.Jar.Cookies(base) {
			if c.Name == server.SignInFlowCookie {
				f, ok := service.DecodeSignInFlow(c.Value)
				if !ok {
					t.Fatal("the flow cookie does not decode")
				}
				f.Verifier = strings.Repeat("A", 43)
				b.hc.Jar.SetCookies(base, []*http.Cookie{{Name: server.SignInFlowCookie, Value: f.Encode(), Path: "/sign-in"}})
			}
		}
		refused(t, b, se.url, b.get(cb), "did not accept the code: invalid_grant")
	})
}

// TestSignInOIDC runs Microsoft Entra ID and Google end to end (discovery,
// authorize, token with PKCE, the ID token verified by go-oidc against the
// JWKS) and refuses, for each, a forged signature, an expired token, a
// wrong audience, a wrong issuer and a bad nonce, and the type's own
// restriction: Entra's tenant, Google's hosted domain and verified email.
func TestSignInOIDC(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "ms", se.entraSpec(`,"defaultRole":"admin"`))
	se.addProvider(t, "google", se.googleSpec(""))
	users := map[string]authprovider.User{
		"ms":     {Subject: "entra-oid-1", Email: "ada@example.com", Tenant: testTenant, Name: "Ada"},
		"google": {Subject: "google-1", Email: "bob@example.com", EmailVerified: true, HostedDomain: "example.com"},
	}
	roles := map[string]string{"ms": "admin", "google": "viewer"}
	cases := []struct {
		name   string
		tamper func(map[string]any)
		forge  bool
		only   string
		user   func(*authprovider.User)
		why    string
	}{
		{name: "forged signature", forge: true, why: "bad signature"},
		{name: "expired", tamper: func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }, why: "expired"},
		{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = "another-app" }, why: "wrong audience"},
		{name: "wrong issuer", tamper: func(c map[string]any) { c["iss"] = "https://evil.example" }, why: "wrong issuer"},
		{name: "bad nonce", tamper: func(c map[string]any) { c["nonce"] = "replayed" }, why: "nonce is not this sign-in"},
		{name: "other tenant", only: "ms", user: func(u *authprovider.User) { u.Tenant = "00000000-0000-4000-8000-000000000001" }, why: "another Microsoft Entra tenant"},
		{name: "other hosted domain", only: "google", user: func(u *authprovider.User) { u.HostedDomain = "gmail.com" }, why: "not of the domain example.com"},
		{name: "unverified email", only: "google", user: func(u *authprovider.User) { u.EmailVerified = false }, why: "email is not verified"},
	}
	for _, provider := range []string{"ms", "google"} {
		t.Run(provider, func(t *testing.T) {
			se.fake.Tamper(nil)
			se.fake.Forge(false)
			se.fake.SignInAs(users[provider])
			b := newBrowser(t)
			signedIn(t, b.get(se.url+"/sign-in/acme/"+provider), users[provider].Email, roles[provider])
			for _, tc := range cases {
				if tc.only != "" && tc.only != provider {
					continue
				}
				t.Run(tc.name, func(t *testing.T) {
					u := users[provider]
					if tc.user != nil {
						tc.user(&u)
					}
					se.fake.SignInAs(u)
					se.fake.Tamper(tc.tamper)
					se.fake.Forge(tc.forge)
					defer func() { se.fake.Tamper(nil); se.fake.Forge(false) }()
					b := newBrowser(t)
					refused(t, b, se.url, b.get(se.url+"/sign-in/acme/"+provider), tc.why)
				})
			}
		})
	}
}

// TestSignInBackstage: a Backstage user identity token posted to the
// provider's sign-in endpoint is verified against Backstage's JWKS
// (issuer, audience backstage, expiry, signature) and opens a session.
func TestSignInBackstage(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "bs", `{"type":"backstage","url":"`+se.fake.URL()+`"}`)
	good := se.fake.BackstageToken(map[string]any{"sub": "user:default/jane"})
	b := newBrowser(t)
	signedIn(t, b.post(se.url, "/sign-in/acme/bs", url.Values{"token": {good}, "next": {"/"}}), "user:default/jane", "viewer")

	forger := authprovider.New(t)
	for _, tc := range []struct {
		name, token, why string
	}{
		{"wrong audience", se.fake.BackstageToken(map[string]any{"sub": "user:default/x", "aud": "other"}), "wrong audience"},
		{"expired", se.fake.BackstageToken(map[string]any{"sub": "user:default/x", "exp": time.Now().Add(-time.Hour).Unix()}), "expired"},
		{"wrong issuer", se.fake.BackstageToken(map[string]any{"sub": "user:default/x", "iss": "https://evil.example/api/auth"}), "wrong issuer"},
		{"forged signature", forger.BackstageToken(map[string]any{"sub": "user:default/x", "iss": se.fake.URL() + "/api/auth"}), "bad signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			refused(t, b, se.url, b.post(se.url, "/sign-in/acme/bs", url.Values{"token": {tc.token}}), tc.why)
		})
	}
}

// TestSignInGuest: guest sign-in is off unless the operator enables it;
// when on and configured, it opens a read-only session.
func TestSignInGuest(t *testing.T) {
	off := newSignInEnv(t)
	off.addProvider(t, "visitors", `{"type":"guest"}`)
	b := newBrowser(t)
	if p := b.get(off.url + "/sign-in?org=acme"); strings.Contains(p.body, "/sign-in/acme/visitors") {
		t.Fatal("the sign-in page offers guest sign-in on a server that does not allow it")
	}
	if p := b.post(off.url, "/sign-in/acme/visitors", url.Values{}); p.status != http.StatusForbidden || b.session(off.url) != "" {
		t.Fatalf("guest sign-in on a server that does not allow it: %d %s", p.status, p.body)
	}

	on := newSignInEnv(t, withGuestSignIn())
	consoleCanvas(t, on.env)
	if r := on.do("owner", "POST", "/api/v1/auth-providers", `{"authProvider":{"metadata":{"name":"g2"},"spec":{"type":"guest","defaultRole":"admin"}}}`); r.status != http.StatusBadRequest || !strings.Contains(r.err.Message, "defaultRole") {
		t.Fatalf("a guest provider with role admin: %d %s", r.status, r.body)
	}
	b = newBrowser(t)
	if p := b.get(on.url + "/sign-in?org=acme"); strings.Contains(p.body, "/sign-in/acme/visitors") {
		t.Fatal("the sign-in page offers a guest provider the organization does not have")
	}
	if p := b.post(on.url, "/sign-in/acme/visitors", url.Values{}); p.status != http.StatusNotFound {
		t.Fatalf("guest sign-in to an organization without a guest provider: %d", p.status)
	}
	on.addProvider(t, "visitors", `{"type":"guest"}`)
	signedIn(t, b.post(on.url, "/sign-in/acme/visitors", url.Values{"next": {"/"}}), "guest@", "viewer")
	c := &consoleClient{t: t, e: on.env, cookie: &http.Cookie{Name: server.SessionCookie, Value: b.session(on.url)}}
	csrf := c.csrf("/canvases/prod")
	if a := c.send("POST", "/canvases/prod/events", url.Values{"csrf": {csrf}, "source": {"button"}, "payload": {`{}`}}); a.status != http.StatusForbidden {
		t.Fatalf("a guest posted an event: %d %s", a.status, a.body)
	}
}

// TestSignInMatchesByEmailAndEnds: a provider's user whose verified email
// is an existing user's signs in as that user; signing out ends the
// session, and revoking the token minted for it ends it too.
func TestSignInMatchesByEmailAndEnds(t *testing.T) {
	se := newSignInEnv(t)
	se.addProvider(t, "google", se.googleSpec(""))
	se.fake.SignInAs(authprovider.User{Subject: "g-viewer", Email: "viewer@example.com", EmailVerified: true, HostedDomain: "example.com"})
	b := newBrowser(t)
	signedIn(t, b.get(se.url+"/sign-in/acme/google"), "viewer@example.com", "viewer")
	tokens, err := se.store.ListTokens(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	var minted, users = "", map[string]bool{}
	for _, tk := range tokens {
		if tk.UserEmail == "viewer@example.com" {
			users[tk.UserID] = true
			if !tk.ExpiresAt.IsZero() {
				minted = tk.ID
			}
		}
	}
	if len(users) != 1 || minted == "" {
		t.Fatalf("the sign-in did not match the existing user (users %v) or minted no expiring token (%q)", users, minted)
	}
	if err := se.store.RevokeToken(context.Background(), minted); err != nil {
		t.Fatal(err)
	}
	if p := b.get(se.url + "/"); p.url.Path != "/sign-in" {
		t.Fatalf("the session outlived its token's revocation: %d at %s", p.status, p.url)
	}
}

// TestCLIBrowserSignIn: the CLI's browser sign-in ends with an API token of
// the session's user and role, traded once for the one-time code with the
// PKCE verifier; a wrong verifier spends the code.
func TestCLIBrowserSignIn(t *testing.T) {
	se := newSignInEnv(t)
	verifier := strings.Repeat("v", 50)
	challenge := service.S256Challenge(verifier)
	state := "cli-state-0123456789"
	path := "/cli-sign-in?" + url.Values{"port": {"45678"}, "state": {state}, "challenge": {challenge}}.Encode()

	code := func(who string) string {
		t.Helper()
		c := consoleSignIn(t, se.env, who)
		csrf := c.csrf(path)
		a := c.send("POST", "/cli-sign-in", url.Values{"csrf": {csrf}, "port": {"45678"}, "state": {state}, "challenge": {challenge}})
		loc, _ := url.Parse(a.header.Get("Location"))
		if a.status != http.StatusSeeOther || loc == nil || loc.Host != "127.0.0.1:45678" || loc.Query().Get("state") != state || loc.Query().Get("code") == "" {
			t.Fatalf("want a redirect to the CLI's listener with the code and state; got %d %q", a.status, a.header.Get("Location"))
		}
		if csp := a.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' http://127.0.0.1:45678;") {
			t.Fatalf("the redirect's CSP does not allow exactly the CLI's origin: %q", csp)
		}
		return loc.Query().Get("code")
	}

	// Without a session the page sends the browser to sign in and back.
	anon := &consoleClient{t: t, e: se.env}
	if a := anon.send("GET", path, nil); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/sign-in?next=%2Fcli-sign-in%3F") {
		t.Fatalf("without a session: %d %q", a.status, a.header.Get("Location"))
	}

	trade := func(code, verifier string) response {
		b, _ := json.Marshal(api.CLISignInTokenRequest{Code: code, Verifier: verifier})
		return se.do("", "POST", "/api/v1/cli-sign-in/token", string(b))
	}
	cd := code("viewer")
	var tok api.CLISignInTokenResponse
	trade(cd, verifier).decode(t, &tok)
	se.tokens["cli"] = tok.Token
	var me api.Me
	se.do("cli", "GET", "/api/v1/me", nil).decode(t, &me)
	if me.Email != "viewer@example.com" || me.Role != "viewer" || me.TokenExpiresAt == nil {
		t.Fatalf("the CLI's token is not the viewer's, expiring: %+v", me)
	}
	if r := trade(cd, verifier); r.status != http.StatusUnauthorized {
		t.Fatalf("a code traded twice: %d", r.status)
	}
	cd = code("owner")
	if r := trade(cd, strings.Repeat("w", 50)); r.status != http.StatusUnauthorized || !strings.Contains(r.err.Message, "verifier") {
		t.Fatalf("a wrong verifier: %d %s", r.status, r.body)
	}
	if r := trade(cd, verifier); r.status != http.StatusUnauthorized {
		t.Fatalf("the code survived a wrong verifier: %d", r.status)
	}
}

// TestSignInMemberSeesWhatCanvasRolesGive: a provider whose default role
// is member signs people in with nothing on any canvas; once an owner makes
// the user a viewer of one canvas, the same session sees that canvas, and
// still no other, and cannot post to it.
func TestSignInMemberSeesWhatCanvasRolesGive(t *testing.T) {
	se := newSignInEnv(t)
	consoleCanvas(t, se.env)
	se.do("owner", "POST", "/api/v1/canvases", `{"canvas":{"metadata":{"name":"other"}}}`).decode(t, &api.CanvasResponse{})
	se.addProvider(t, "gh", se.githubSpec(`,"defaultRole":"member"`))
	se.fake.SignInAs(authprovider.User{GitHubID: 77, Login: "mem", Email: "mem@example.com", EmailVerified: true})

	b := newBrowser(t)
	signedIn(t, b.get(se.url+"/sign-in/acme/gh"), "mem@example.com", "member")
	ck := &http.Cookie{Name: server.SessionCookie, Value: b.session(se.url)}
	c := &consoleClient{t: t, e: se.env, cookie: ck}
	if a := c.send("GET", "/canvases/prod", nil); a.status != http.StatusNotFound {
		t.Fatalf("a member with no canvas role opened canvas prod: %d", a.status)
	}

	se.do("owner", "POST", "/api/v1/canvases/prod/users", `{"userEmail":"mem@example.com","role":"canvas_viewer"}`).decode(t, &map[string]any{})
	if a := c.send("GET", "/canvases/prod", nil); a.status != http.StatusOK {
		t.Fatalf("a canvas viewer of prod could not open it: %d %s", a.status, a.body)
	}
	if a := c.send("GET", "/canvases/other", nil); a.status != http.StatusNotFound {
		t.Fatalf("a canvas viewer of prod opened canvas other: %d", a.status)
	}
	csrf := c.csrf("/canvases/prod")
	if a := c.send("POST", "/canvases/prod/events", url.Values{"csrf": {csrf}, "source": {"button"}, "payload": {`{"version":"1"}`}}); a.status != http.StatusForbidden {
		t.Fatalf("a canvas viewer posted an event: %d %s", a.status, a.body)
	}
}
