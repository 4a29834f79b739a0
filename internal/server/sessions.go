package server

import (
	"log/slog"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// sessionRoutes registers the caller's sessions: any role lists and
// revokes its own (they act on the caller alone, like POST
// /api/v1/me/token), and nobody sees or revokes another user's (404).
func (s *Server) sessionRoutes() {
	s.handleSelf("GET "+api.MeSessionsPath, s.listMySessions)
	s.handleSelf("DELETE "+api.MeSessionsPath, s.revokeOtherSessions)
	s.handleSelf("DELETE "+api.MeSessionsPath+"/{sessionId}", s.revokeMySession)
	s.handle("DELETE "+api.UserSessionsPath, s.revokeUserSessions)
}

// revokeUserSessions is DELETE /api/v1/users/{userId}/sessions: an owner
// or admin signs a user of the organization out everywhere (a lost laptop,
// someone who left); the user's API tokens that are not sessions stay, to
// be revoked as tokens.
func (s *Server) revokeUserSessions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	user := r.PathValue("userId")
	n, err := s.sessions.RevokeUser(r.Context(), p, user)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "user's sessions revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("target_user_id", user), slog.Int("revoked", n))
	writeJSON(w, http.StatusOK, api.RevokeSessionsResponse{Revoked: n})
	return nil
}

// listMySessions is GET /api/v1/me/sessions: the caller's console
// sessions and CLI sign-ins, never a token or cookie value.
func (s *Server) listMySessions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.sessions.List(r.Context(), p, service.CurrentSession(p, ""))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.ListSessionsResponse{Sessions: list})
	return nil
}

// revokeMySession is DELETE /api/v1/me/sessions/{sessionId}: the session
// is refused from its next request on, on every replica; a session minted
// its token, which goes with it. The calling session may revoke itself
// (superplane logout does).
func (s *Server) revokeMySession(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	id := r.PathValue("sessionId")
	if err := s.sessions.Revoke(r.Context(), p, id); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "session revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("session_id", id))
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// revokeOtherSessions is DELETE /api/v1/me/sessions: every session of the
// caller but the one the request came through ends.
func (s *Server) revokeOtherSessions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	n, err := s.sessions.RevokeOthers(r.Context(), p, service.CurrentSession(p, ""))
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "other sessions revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.Int("revoked", n))
	writeJSON(w, http.StatusOK, api.RevokeSessionsResponse{Revoked: n})
	return nil
}
