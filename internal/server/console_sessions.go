package server

import (
	"log/slog"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// The console's Sessions page: the signed-in user's sessions (this
// browser, other browsers, CLI sign-ins), each with a button that revokes
// it, and one that revokes all but this one. Every role may use it: it
// acts on the user's own sessions alone. Its forms are recorded in the
// audit trail as the API's DELETE /api/v1/me/sessions routes are.

// consoleSessionPosts are the Sessions page's forms: any role may post
// them (consolePostAllowed), and their records say what the API route
// doing the same says (consoleAuditRoute).
var consoleSessionPosts = map[string]auditRoute{
	"POST /sessions/{session}/revoke": {action: "delete", objectType: "session", objectParam: "session"},
	"POST /sessions/revoke-others":    {action: "delete", objectType: "session"},
}

// consoleSessionRoutes registers the Sessions page and its forms.
func (s *Server) consoleSessionRoutes() {
	s.consoleGet("GET /sessions", s.consoleSessions)
	s.consolePost("POST /sessions/{session}/revoke", s.consoleRevokeSession)
	s.consolePost("POST /sessions/revoke-others", s.consoleRevokeOtherSessions)
}

// sessionsData is the Sessions page's list.
type sessionsData struct {
	Sessions []api.Session
	// Others counts the sessions that are not this browser's.
	Others int
}

func (s *Server) consoleSessions(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	list, err := s.sessions.List(r.Context(), c.p, c.sessionID)
	if err != nil {
		return err
	}
	data := sessionsData{Sessions: list}
	for _, ss := range list {
		if !ss.Current {
			data.Others++
		}
	}
	page := c.page("Sessions", "sessions", data)
	switch r.URL.Query().Get("revoked") {
	case "one":
		page.Notice = "Session revoked: it is signed out from its next request on."
	case "others":
		page.Notice = "Every other session is revoked: only this browser stays signed in."
	}
	s.render(w, r, http.StatusOK, "sessions", page)
	return nil
}

// consoleRevokeSession revokes one of the user's sessions; revoking this
// browser's own signs it out.
func (s *Server) consoleRevokeSession(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	id := r.PathValue("session")
	if err := s.sessions.Revoke(r.Context(), c.p, id); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "session revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", c.p.User.ID), slog.String("session_id", id))
	if id == c.sessionID {
		s.clearSessionCookie(w)
		http.Redirect(w, r, "/sign-in?out=1", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/sessions?revoked=one", http.StatusSeeOther)
	return nil
}

// consoleRevokeOtherSessions revokes every session of the user but this
// browser's.
func (s *Server) consoleRevokeOtherSessions(w http.ResponseWriter, r *http.Request, c *consoleCtx) error {
	n, err := s.sessions.RevokeOthers(r.Context(), c.p, service.CurrentSession(c.p, c.sessionID))
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "other sessions revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", c.p.User.ID), slog.Int("revoked", n))
	http.Redirect(w, r, "/sessions?revoked=others", http.StatusSeeOther)
	return nil
}
