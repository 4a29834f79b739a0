package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// signInData is the sign-in page's form state.
type signInData struct {
	Next string
	// Org is the organization whose sign-in options the page shows
	// (?org=, or the one of the provider whose flow just failed); "" asks
	// for it.
	Org string
	// Providers are Org's auth providers' buttons (signin.go).
	Providers []service.SignInOption
}

// safeNext keeps a post-sign-in destination on this server: a path, never
// a scheme, host or protocol-relative URL that would send the user away.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	data := signInData{Next: safeNext(r.URL.Query().Get("next")), Org: r.URL.Query().Get("org")}
	data.Providers = s.signInOptions(r, data.Org)
	page := consolePage{Title: "Sign in", Data: data}
	// The query only picks a message: a link cannot put words of its own
	// on the sign-in page.
	switch {
	case r.URL.Query().Get("ended") != "":
		page.Notice = "Your session ended (it expired, was signed out, or its token was revoked): sign in again."
	case r.URL.Query().Get("out") != "":
		page.Notice = "Signed out."
	}
	s.render(w, r, http.StatusOK, "signin", page)
}

// signIn checks the pasted API token and opens a session. It has no
// session yet to carry a CSRF token, so only same-origin posts are taken
// (a forged sign-in would sign the victim in as the forger).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	if !s.consoleForm(w, r, nil, anonymousShare, maxSignInForm) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	id, p, err := s.sessions.SignIn(r.Context(), r.PostFormValue("token"))
	if err != nil {
		code, msg := s.classify(r, err)
		page := consolePage{Title: "Sign in", Data: signInData{Next: next}, Error: msg}
		s.render(w, r, statusOf(code), "signin", page)
		return
	}
	// A browser signing in again leaves no second live session behind.
	if old, err := r.Cookie(SessionCookie); err == nil {
		if err := s.sessions.SignOut(r.Context(), old.Value); err != nil {
			s.log.WarnContext(r.Context(), "console sign-in: revoking the previous session", slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		}
	}
	s.log.InfoContext(r.Context(), "console sign-in", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("token_id", p.Token.ID))
	http.SetCookie(w, s.sessionCookie(id, int(service.SessionMaxAge.Seconds())))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut revokes the session. It needs the session's CSRF token, so that
// another site cannot sign a user out.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := sameOrigin(r); err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	err = readForm(s.bodies, r, anonymousShare, maxSignInForm)
	if errors.Is(err, webhook.ErrNoRoom) {
		s.consoleOverloaded(w, r, nil)
		return
	}
	if err != nil || !service.CheckCSRF(ck.Value, r.PostFormValue("csrf")) {
		s.consoleError(w, r, nil, forbidden("the form's security token does not match your session: reload the page and try again"))
		return
	}
	if err := s.sessions.SignOut(r.Context(), ck.Value); err != nil {
		s.consoleError(w, r, nil, err)
		return
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/sign-in?out=1", http.StatusSeeOther)
}

// sessionCookie is the session cookie: HttpOnly (no script reads it),
// SameSite=Lax (other sites' posts carry no cookie; links from them still
// land signed in), Secure when the server's base URL is https, for every
// path.
func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.sessions.Secure, SameSite: http.SameSiteLaxMode,
	}
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, s.sessionCookie("", -1))
}

// roleLabel is how the page names a role.
func roleLabel(role string) string {
	switch role {
	case api.RoleOwner:
		return "owner"
	case api.RoleAdmin:
		return "admin"
	case api.RoleViewer:
		return "viewer (read only)"
	}
	return role
}
