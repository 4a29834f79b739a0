package server

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// handleSelf registers an authenticated route that acts only on the
// caller's own token, so every role may call it, viewers included.
func (s *Server) handleSelf(pattern string, h handlerFunc) {
	s.register(pattern, h, false)
}

// authenticate finds the principal of the request's bearer token (see
// service.Tokens.Authenticate: every request asks the database).
func (s *Server) authenticate(r *http.Request) (store.Principal, error) {
	token, err := bearerToken(r)
	if err != nil {
		return store.Principal{}, err
	}
	return s.tokens.Authenticate(r.Context(), token)
}

// authenticateIn is authenticate that also finds the records scope names
// (see service.Tokens.AuthenticateIn: every request asks the database too).
func (s *Server) authenticateIn(r *http.Request, scope store.Scope) (store.Principal, service.Prefetched, error) {
	token, err := bearerToken(r)
	if err != nil {
		return store.Principal{}, service.Prefetched{}, err
	}
	return s.tokens.AuthenticateIn(r.Context(), token, scope)
}

// bearerToken is the request's bearer token.
func bearerToken(r *http.Request) (string, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", unauthenticated("missing bearer token")
	}
	return strings.TrimSpace(token), nil
}

// regenerateToken is POST /api/v1/me/token: the caller's token is replaced
// by a new one with the same user, role and expiry (a rotation never extends
// the lifetime an operator gave), shown once in the answer. The old token is
// refused from the moment the answer is sent, on every replica.
func (s *Server) regenerateToken(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	token, err := s.tokens.Regenerate(r.Context(), p)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "token regenerated", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("old_token_id", p.Token.ID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.RegenerateTokenResponse{Token: token})
	return nil
}
