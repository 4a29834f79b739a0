package server

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// touchEvery is how stale a token's recorded last use may get before a
// request records it again: often enough for an operator deciding what to
// revoke, rarely enough that authentication stays a read.
const touchEvery = time.Hour

// handleSelf registers an authenticated route that acts only on the
// caller's own token, so every role may call it, viewers included.
func (s *Server) handleSelf(pattern string, h handlerFunc) {
	s.register(pattern, h, false)
}

// authenticate finds the principal of the request's bearer token. It asks
// the database on every request (nothing caches a principal), so a token
// revoked or replaced on any replica is refused by every replica from its
// next request on.
func (s *Server) authenticate(r *http.Request) (store.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return store.Principal{}, unauthenticated("missing bearer token")
	}
	p, err := s.store.FindPrincipal(r.Context(), HashToken(strings.TrimSpace(token)))
	if err != nil {
		if isNotFound(err) {
			return store.Principal{}, unauthenticated("invalid token")
		}
		return store.Principal{}, err
	}
	now := s.now()
	// Only the holder of the token learns that it existed: "expired" tells
	// them to ask for a new one rather than to look for a typo.
	if exp := p.Token.ExpiresAt; !exp.IsZero() && !now.Before(exp) {
		return store.Principal{}, unauthenticated("token expired at %s: ask an operator for a new one", exp.UTC().Format(time.RFC3339))
	}
	if now.Sub(p.Token.LastUsedAt) >= touchEvery {
		// Best effort: a failed record of the last use must not refuse a
		// valid token (the database answered the lookup a moment ago).
		if err := s.store.TouchToken(context.WithoutCancel(r.Context()), p.Token.ID, now); err != nil {
			s.log.WarnContext(r.Context(), "recording a token's last use", slog.String("token_id", p.Token.ID), slog.String("error", err.Error()))
		}
	}
	return p, nil
}

// regenerateToken is POST /api/v1/me/token: the caller's token is replaced
// by a new one with the same user, role and expiry (a rotation never extends
// the lifetime an operator gave), shown once in the answer. The old token is
// refused from the moment the answer is sent, on every replica.
func (s *Server) regenerateToken(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	token, hash, err := NewToken()
	if err != nil {
		return err
	}
	next := store.Token{
		Hash: hash, UserID: p.User.ID, OrgID: p.Organization.ID, Role: p.Role,
		CreatedAt: s.timestamp(), ExpiresAt: p.Token.ExpiresAt,
	}
	if err := s.store.ReplaceToken(r.Context(), p.Token.ID, next); err != nil {
		if isNotFound(err) {
			// Revoked or replaced by a concurrent request since it
			// authenticated this one.
			return unauthenticated("invalid token")
		}
		return err
	}
	s.log.InfoContext(r.Context(), "token regenerated", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("old_token_id", p.Token.ID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.RegenerateTokenResponse{Token: token})
	return nil
}
