package server

import (
	"net/http"
	"strconv"

	"github.com/superplane/terraform-provider-superplane/internal/oidc"
)

// openIDConfiguration serves the OIDC discovery document. It needs no
// token: the clouds fetch it (AWS when the identity provider is registered
// and when a token is exchanged), and it says only where the public keys
// are.
func (s *Server) openIDConfiguration(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(oidc.JWKSMaxAge.Seconds())))
	writeJSON(w, http.StatusOK, s.issuer.Discovery())
}

// jwks serves the issuer's public keys, making the first signing key when
// there is none yet. A store failure is the usual error answer (503 when
// the database is down), never an empty key set, which would fail every
// verification until caches expire.
func (s *Server) jwks(w http.ResponseWriter, r *http.Request) {
	set, err := s.issuer.JWKS(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(oidc.JWKSMaxAge.Seconds())))
	writeJSON(w, http.StatusOK, set)
}
