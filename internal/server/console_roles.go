package server

import (
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// consoleAuthorize holds a console page to the caller's roles, as the API
// is: a session whose organization role reads every canvas passes without
// a statement; a member's (canvas roles only) sees a canvas's pages only
// with a role on it (else 404, as the API answers) and never the
// organization's secrets or integrations (403). The canvas list filters
// itself (consoleCanvases); forms need an owner or admin (canWrite).
func (s *Server) consoleAuthorize(r *http.Request, c *consoleCtx) error {
	if service.TokenAllows(c.p, api.ResourceCanvas, api.ActionRead) || r.URL.Path == "/" {
		return nil
	}
	canvas := r.PathValue("canvas")
	if canvas == "" {
		canvas = r.URL.Query().Get("canvas")
	}
	resource := api.ResourceCanvas
	switch {
	case strings.HasPrefix(r.URL.Path, "/secrets"):
		resource = api.ResourceSecret
	case strings.HasPrefix(r.URL.Path, "/integrations"):
		resource = api.ResourceIntegration
	}
	_, err := s.authz.Authorize(r.Context(), c.p, resource, api.ActionRead, canvas)
	return err
}
