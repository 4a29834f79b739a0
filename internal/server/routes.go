package server

import "slices"

// Routes returns the pattern ("METHOD /path/{param}") of every route that
// needs an API token, in registration order. The authorization tests build
// their matrix from it, so a route added without a row in the matrix fails
// them. The token-less routes (GET /health and the webhook receivers) are not
// listed: they authenticate nothing or authenticate by signature.
func (s *Server) Routes() []string {
	return slices.Clone(s.patterns)
}
