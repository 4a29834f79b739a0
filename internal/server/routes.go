package server

import (
	"net/http"
	"slices"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Routes returns the pattern ("METHOD /path/{param}") of every route that
// needs an API token, in registration order. The authorization tests build
// their matrix from it, so a route added without a row in the matrix fails
// them. The token-less routes are listed by PublicRoutes.
func (s *Server) Routes() []string {
	return slices.Clone(s.patterns)
}

// PublicRoutes returns the pattern of every route that takes no API token,
// in registration order: GET /health, GET /ready and GET
// /api/v1/openapi.json, which tell nothing of any organization, and the webhook receivers, which
// authenticate a delivery by its signature. Together with Routes it is every
// route the server serves; the OpenAPI test checks the description against
// both.
func (s *Server) PublicRoutes() []string {
	return slices.Clone(s.publicPatterns)
}

// public registers a route that takes no API token.
func (s *Server) public(pattern string, h http.HandlerFunc) {
	s.publicPatterns = append(s.publicPatterns, pattern)
	s.mux.HandleFunc(pattern, h)
}

// openAPI serves the API's description. It needs no token: it holds no data
// of any organization (only what this binary serves, which anyone with the
// source or the binary can read), and a client can learn the API before it
// has a token.
func (s *Server) openAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(api.OpenAPI())
}
