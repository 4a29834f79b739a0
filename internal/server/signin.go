package server

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// SignInFlowCookie carries a browser's sign-in through an auth provider
// (service.SignInFlow): HttpOnly, SameSite=Lax (the provider's redirect
// back is a top-level GET, which carries it), only under /sign-in, for
// service.SignInFlowLifetime.
const SignInFlowCookie = "superplane_signin"

// signInRoutes registers the sign-in through auth providers and the CLI's
// browser sign-in (console routes: they set and read cookies).
func (s *Server) signInRoutes() {
	s.consoleRaw("GET "+service.SignInCallbackPath, s.signInCallback)
	s.consoleRaw("GET /sign-in/{org}/{provider}", s.signInStart)
	s.consoleRaw("POST /sign-in/{org}/{provider}", s.anonymousForm(maxSignInForm, s.signInPost))
	s.consoleRaw("GET /cli-sign-in", s.cliSignInPage)
	s.consoleRaw("POST /cli-sign-in", s.cliSignIn)
}

// signInPageWith renders the sign-in page with the buttons of the
// organization's providers and, when err is set, why the last attempt
// failed. The page names no organization the visitor did not name: it asks
// for one (?org=, which an organization's sign-in link carries), so an
// anonymous visitor cannot list the server's tenants.
func (s *Server) signInPageWith(w http.ResponseWriter, r *http.Request, next string, err error) {
	org := r.URL.Query().Get("org")
	if org == "" {
		org = r.PathValue("org")
	}
	page := consolePage{Title: "Sign in", Data: signInData{Next: next, Org: org, Providers: s.signInOptions(r, org)}}
	status := http.StatusOK
	if err != nil {
		code, msg := s.classify(r, err)
		page.Error, status = msg, statusOf(code)
	}
	s.render(w, r, status, "signin", page)
}

// signInOptions are the buttons of org's providers; a failure to list them
// leaves the token form alone on the page.
func (s *Server) signInOptions(r *http.Request, org string) []service.SignInOption {
	if org == "" {
		return nil
	}
	opts, err := s.signIns.Options(r.Context())
	if err != nil {
		s.log.WarnContext(r.Context(), "sign-in page: listing the auth providers", slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
	}
	mine := opts[:0]
	for _, o := range opts {
		if o.Org == org {
			mine = append(mine, o)
		}
	}
	return mine
}

func (s *Server) flowCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: SignInFlowCookie, Value: value, Path: "/sign-in", MaxAge: maxAge,
		HttpOnly: true, Secure: s.sessions.Secure, SameSite: http.SameSiteLaxMode,
	}
}

// signInStart sends the browser to the provider's authorization page with
// a fresh state, PKCE challenge and nonce, which the flow cookie keeps.
func (s *Server) signInStart(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	target, flow, err := s.signIns.Begin(r.Context(), r.PathValue("org"), r.PathValue("provider"), next)
	if err != nil {
		s.signInPageWith(w, r, next, err)
		return
	}
	http.SetCookie(w, s.flowCookie(flow.Encode(), int(service.SignInFlowLifetime.Seconds())))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// providerErrorPattern is the shape of an OAuth error code; anything else
// a redirect carries is not shown.
var providerErrorPattern = regexp.MustCompile(`^[a-z_]{1,64}$`)

// signInCallback finishes the flow the provider sent the browser back
// from: the flow cookie is spent whatever happens.
func (s *Server) signInCallback(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(SignInFlowCookie)
	http.SetCookie(w, s.flowCookie("", -1))
	flow, ok := service.SignInFlow{}, false
	if err == nil {
		flow, ok = service.DecodeSignInFlow(ck.Value)
	}
	if !ok {
		s.signInPageWith(w, r, "/", unauthenticated("sign-in refused: this browser has no sign-in in progress (cookies off, or it took too long): start again"))
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		if !providerErrorPattern.MatchString(e) {
			e = "an error"
		}
		s.signInPageWith(w, r, safeNext(flow.Next), unauthenticated("sign-in refused by the provider: %s", e))
		return
	}
	id, p, err := s.signIns.Finish(r.Context(), flow, q.Get("state"), q.Get("code"))
	if err != nil {
		s.log.WarnContext(r.Context(), "sign-in refused", slog.String("request_id", requestID(r.Context())),
			slog.String("auth_provider", flow.Provider), slog.String("error", err.Error()))
		s.signInPageWith(w, r, safeNext(flow.Next), err)
		return
	}
	s.startSession(w, r, id, p, safeNext(flow.Next))
}

// signInPost signs in with a posted Backstage identity token, or as the
// guest. Like the token form it takes same-origin posts only.
func (s *Server) signInPost(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	if !s.consoleForm(w, r, nil, anonymousShare, maxSignInForm) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	org, name := r.PathValue("org"), r.PathValue("provider")
	var (
		id  string
		p   store.Principal
		err error
	)
	if token := r.PostFormValue("token"); token != "" {
		id, p, err = s.signIns.Backstage(r.Context(), org, name, token)
	} else {
		id, p, err = s.signIns.Guest(r.Context(), org, name)
	}
	if err != nil {
		s.signInPageWith(w, r, next, err)
		return
	}
	s.startSession(w, r, id, p, next)
}

// startSession sets the new session's cookie, ending the browser's
// previous session, and sends it on.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, id string, p store.Principal, next string) {
	if old, err := r.Cookie(SessionCookie); err == nil {
		if err := s.sessions.SignOut(r.Context(), old.Value); err != nil {
			s.log.WarnContext(r.Context(), "sign-in: revoking the previous session", slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		}
	}
	s.log.InfoContext(r.Context(), "console sign-in through an auth provider", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("token_id", p.Token.ID), slog.String("role", p.Role))
	http.SetCookie(w, s.sessionCookie(id, int(service.SessionMaxAge.Seconds())))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// cliSignInData is the CLI sign-in page's form state.
type cliSignInData struct {
	Port      int
	State     string
	Challenge string
}

var cliStatePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

// cliParams reads and checks the CLI's port, state and challenge.
func cliParams(v url.Values) (cliSignInData, error) {
	port, err := strconv.Atoi(v.Get("port"))
	if err != nil || port < 1024 || port > 65535 {
		return cliSignInData{}, invalid("port: the CLI's loopback port (1024-65535) is required")
	}
	if !cliStatePattern.MatchString(v.Get("state")) {
		return cliSignInData{}, invalid("state: the CLI's state (16 to 128 base64url characters) is required")
	}
	if !service.ValidCLIChallenge(v.Get("challenge")) {
		return cliSignInData{}, invalid("challenge: the CLI's PKCE S256 challenge is required")
	}
	return cliSignInData{Port: port, State: v.Get("state"), Challenge: v.Get("challenge")}, nil
}

// cliSignInPage asks the signed-in user to confirm the CLI's sign-in; a
// browser without a session signs in first and comes back here.
func (s *Server) cliSignInPage(w http.ResponseWriter, r *http.Request) {
	data, err := cliParams(r.URL.Query())
	if err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	c, err := s.consoleSession(w, r)
	if err != nil {
		http.Redirect(w, r, "/sign-in?"+url.Values{"next": {r.URL.RequestURI()}}.Encode(), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "cli", c.page("Sign in the CLI", "", data))
}

// cliSignIn mints the one-time code and sends the browser to the CLI's
// loopback listener with it and the CLI's state. Any role may sign its
// CLI in: the token carries the session's role.
func (s *Server) cliSignIn(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	c, err := s.consoleSession(w, r)
	if err != nil {
		s.consoleAuthFailed(w, r, err)
		return
	}
	held, admitted := s.admitBodyUpTo(r, c.p.Organization.ID, maxSignInForm)
	if !admitted {
		s.consoleOverloaded(w, r, c)
		return
	}
	defer s.bodies.Release(c.p.Organization.ID, held)
	err = readForm(s.bodies, r, c.p.Organization.ID, maxSignInForm)
	if errors.Is(err, webhook.ErrNoRoom) {
		s.consoleOverloaded(w, r, c)
		return
	}
	if err != nil || !service.CheckCSRF(c.sid, r.PostFormValue("csrf")) {
		s.consoleError(w, r, c, forbidden("the form's security token does not match your session: reload the page and try again"))
		return
	}
	data, err := cliParams(r.PostForm)
	if err != nil {
		s.consoleError(w, r, c, err)
		return
	}
	code, err := s.signIns.CLICode(r.Context(), c.p, data.Challenge)
	if err != nil {
		s.consoleError(w, r, c, err)
		return
	}
	origin := "http://127.0.0.1:" + strconv.Itoa(data.Port)
	target := origin + "/callback?" + url.Values{"code": {code}, "state": {data.State}}.Encode()
	// The redirect of a form post is held to form-action: this answer
	// allows the one loopback origin the CLI listens on, no other.
	w.Header().Set("Content-Security-Policy", strings.Replace(consoleCSP, "form-action 'self'", "form-action 'self' "+origin, 1))
	s.log.InfoContext(r.Context(), "CLI browser sign-in: code issued", slog.String("request_id", requestID(r.Context())), slog.String("user_id", c.p.User.ID))
	http.Redirect(w, r, target, http.StatusSeeOther)
}
