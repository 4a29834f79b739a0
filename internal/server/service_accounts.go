package server

import (
	"log/slog"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// serviceAccountRoutes registers the service accounts and their tokens (our
// extension). Reads are for any role (a token's value is never read back);
// writes need owner or admin, and the service refuses acting on an account
// whose role ranks above the caller's.
func (s *Server) serviceAccountRoutes() {
	s.handle("GET /api/v1/service-accounts", s.listServiceAccounts)
	s.handle("POST /api/v1/service-accounts", s.createServiceAccount)
	s.handle("GET /api/v1/service-accounts/{idOrName}", s.describeServiceAccount)
	s.handle("PATCH /api/v1/service-accounts/{idOrName}", s.updateServiceAccount)
	s.handle("DELETE /api/v1/service-accounts/{idOrName}", s.deleteServiceAccount)
	s.handle("GET /api/v1/service-accounts/{idOrName}/tokens", s.listServiceAccountTokens)
	s.handle("POST /api/v1/service-accounts/{idOrName}/tokens", s.createServiceAccountToken)
	s.handle("GET /api/v1/service-accounts/{idOrName}/tokens/{tokenId}", s.describeServiceAccountToken)
	s.handle("DELETE /api/v1/service-accounts/{idOrName}/tokens/{tokenId}", s.revokeServiceAccountToken)
}

// accountToAPI is a in the wire's shape.
func accountToAPI(a store.ServiceAccount) api.ServiceAccount {
	created, updated := a.CreatedAt, a.UpdatedAt
	return api.ServiceAccount{
		Metadata: &api.ServiceAccountMetadata{ID: a.ID, Name: a.Name, Description: a.Description,
			CreatedAt: &created, CreatedBy: a.CreatedBy, UpdatedAt: &updated},
		Spec: &api.ServiceAccountSpec{Role: a.Role},
	}
}

// accountTokenToAPI is t in the wire's shape: never a value or a hash.
func accountTokenToAPI(t store.ServiceAccountToken) api.ServiceAccountToken {
	out := api.ServiceAccountToken{ID: t.ID, Name: t.Name, Role: t.Role}
	created := t.CreatedAt
	out.CreatedAt = &created
	if !t.ExpiresAt.IsZero() {
		exp := t.ExpiresAt
		out.ExpiresAt = &exp
	}
	if !t.LastUsedAt.IsZero() {
		used := t.LastUsedAt
		out.LastUsedAt = &used
	}
	return out
}

func (s *Server) listServiceAccounts(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.accounts.List(r.Context(), p)
	if err != nil {
		return err
	}
	out := api.ListServiceAccountsResponse{ServiceAccounts: make([]api.ServiceAccount, 0, len(list))}
	for _, a := range list {
		out.ServiceAccounts = append(out.ServiceAccounts, accountToAPI(a))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeServiceAccount(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	a, err := s.accounts.Find(r.Context(), p, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ServiceAccountResponse{ServiceAccount: ptr(accountToAPI(a))})
	return nil
}

func (s *Server) createServiceAccount(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.ServiceAccountRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	a, err := s.accounts.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ServiceAccountResponse{ServiceAccount: ptr(accountToAPI(a))})
	return nil
}

func (s *Server) updateServiceAccount(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.ServiceAccountRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	a, err := s.accounts.Update(r.Context(), p, r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ServiceAccountResponse{ServiceAccount: ptr(accountToAPI(a))})
	return nil
}

func (s *Server) deleteServiceAccount(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.accounts.Delete(r.Context(), p, r.PathValue("idOrName")); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "service account deleted with its tokens", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("service_account", r.PathValue("idOrName")))
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) listServiceAccountTokens(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.accounts.Tokens(r.Context(), p, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	out := api.ListServiceAccountTokensResponse{Tokens: make([]api.ServiceAccountToken, 0, len(list))}
	for _, t := range list {
		out.Tokens = append(out.Tokens, accountTokenToAPI(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeServiceAccountToken(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	t, err := s.accounts.Token(r.Context(), p, r.PathValue("idOrName"), r.PathValue("tokenId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ServiceAccountTokenResponse{Token: ptr(accountTokenToAPI(t))})
	return nil
}

// createServiceAccountToken answers the new token's value this once; the
// answer must not be cached anywhere on the way.
func (s *Server) createServiceAccountToken(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.CreateServiceAccountTokenRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	t, value, err := s.accounts.CreateToken(r.Context(), p, r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "service account token created", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("service_account_id", t.ServiceAccountID), slog.String("token_id", t.ID))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.CreateServiceAccountTokenResponse{Token: ptr(accountTokenToAPI(t)), Value: value})
	return nil
}

func (s *Server) revokeServiceAccountToken(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.accounts.RevokeToken(r.Context(), p, r.PathValue("idOrName"), r.PathValue("tokenId")); err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "service account token revoked", slog.String("request_id", requestID(r.Context())),
		slog.String("user_id", p.User.ID), slog.String("token_id", r.PathValue("tokenId")))
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}
