package server

import (
	"log/slog"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// authProviderRoutes registers the organization's auth providers (our
// extension). Reads are for any role (no answer carries a secret); writes
// need owner or admin, and the service refuses a provider whose default
// role ranks above the caller's.
func (s *Server) authProviderRoutes() {
	s.handle("GET "+api.AuthProvidersPath, s.listAuthProviders)
	s.handle("POST "+api.AuthProvidersPath, s.createAuthProvider)
	s.handle("GET "+api.AuthProvidersPath+"/{idOrName}", s.describeAuthProvider)
	s.handle("PATCH "+api.AuthProvidersPath+"/{idOrName}", s.updateAuthProvider)
	s.handle("DELETE "+api.AuthProvidersPath+"/{idOrName}", s.deleteAuthProvider)
}

// authProviderToAPI is ap in the wire's shape: the client secret's
// reference or valueSet, never a value.
func authProviderToAPI(ap store.AuthProvider) (api.AuthProvider, error) {
	spec, err := service.DecodeAuthProviderSpec(ap)
	if err != nil {
		return api.AuthProvider{}, err
	}
	created, updated := ap.CreatedAt, ap.UpdatedAt
	return api.AuthProvider{
		Metadata: &api.AuthProviderMetadata{ID: ap.ID, Name: ap.Name, CreatedAt: &created, UpdatedAt: &updated},
		Spec:     &spec,
	}, nil
}

func (s *Server) writeAuthProvider(w http.ResponseWriter, ap store.AuthProvider) error {
	out, err := authProviderToAPI(ap)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.AuthProviderResponse{AuthProvider: &out})
	return nil
}

func (s *Server) listAuthProviders(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	list, err := s.signIns.Providers.List(r.Context(), p)
	if err != nil {
		return err
	}
	out := api.ListAuthProvidersResponse{AuthProviders: make([]api.AuthProvider, 0, len(list))}
	for _, ap := range list {
		a, err := authProviderToAPI(ap)
		if err != nil {
			return err
		}
		out.AuthProviders = append(out.AuthProviders, a)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeAuthProvider(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	ap, err := s.signIns.Providers.Find(r.Context(), p, r.PathValue("idOrName"))
	if err != nil {
		return err
	}
	return s.writeAuthProvider(w, ap)
}

func (s *Server) createAuthProvider(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.AuthProviderRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	ap, err := s.signIns.Providers.Create(r.Context(), p, req)
	if err != nil {
		return err
	}
	return s.writeAuthProvider(w, ap)
}

func (s *Server) updateAuthProvider(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.AuthProviderRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	ap, err := s.signIns.Providers.Update(r.Context(), p, r.PathValue("idOrName"), req)
	if err != nil {
		return err
	}
	return s.writeAuthProvider(w, ap)
}

func (s *Server) deleteAuthProvider(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	if err := s.signIns.Providers.Delete(r.Context(), p, r.PathValue("idOrName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

// cliSignInToken is POST /api/v1/cli-sign-in/token: a one-time code and
// its PKCE verifier for a new API token, shown once.
func (s *Server) cliSignInToken(w http.ResponseWriter, r *http.Request) {
	var req api.CLISignInTokenRequest
	if err := decodeBody(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, exp, err := s.signIns.RedeemCLICode(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "CLI browser sign-in: token issued", slog.String("request_id", requestID(r.Context())))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, api.CLISignInTokenResponse{Token: token, ExpiresAt: &exp})
}
