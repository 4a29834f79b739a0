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
// itself (consoleCanvases). A canvas role that may act on the canvas shows
// the page's forms (canOperate); consolePostAllowed decides each post.
func (s *Server) consoleAuthorize(r *http.Request, c *consoleCtx) error {
	if err := s.consoleMayAudit(r, c); err != nil {
		return err
	}
	if r.URL.Path == "/" || r.URL.Path == "/sessions" {
		// The canvas list is filtered; the sessions are the user's own.
		return nil
	}
	canvas := r.PathValue("canvas")
	if canvas == "" {
		canvas = r.URL.Query().Get("canvas")
	}
	if service.TokenAllows(c.p, api.ResourceCanvas, api.ActionRead) {
		// An organization viewer may still hold a canvas role that lets it
		// act on this canvas.
		if canvas != "" && !canWrite(c.p) {
			a, err := s.authz.Access(r.Context(), c.p, canvas)
			if err != nil {
				return err
			}
			c.canOperate = mayOperate(a)
		}
		return nil
	}
	resource := api.ResourceCanvas
	switch {
	case strings.HasPrefix(r.URL.Path, "/secrets"):
		resource = api.ResourceSecret
	case strings.HasPrefix(r.URL.Path, "/integrations"):
		resource = api.ResourceIntegration
	case strings.HasPrefix(r.URL.Path, "/audit"):
		resource = api.ResourceAuditEvent
	}
	a, err := s.authz.Authorize(r.Context(), c.p, resource, api.ActionRead, canvas)
	if err != nil {
		return err
	}
	c.canOperate = canvas != "" && mayOperate(a)
	return nil
}

// consoleMayAudit decides whether the navigation links the audit trail: as
// the audit route decides, by the organization role, else (one statement)
// by a custom organization role that grants auditevent read.
func (s *Server) consoleMayAudit(r *http.Request, c *consoleCtx) error {
	if canWrite(c.p) || service.TokenAllows(c.p, api.ResourceAuditEvent, api.ActionRead) {
		c.canAudit = true
		return nil
	}
	a, err := s.authz.Access(r.Context(), c.p, "")
	if err != nil {
		return err
	}
	c.canAudit = a.Allows(api.ResourceAuditEvent, api.ActionRead)
	return nil
}

// mayOperate reports whether a allows any of the console's forms.
func mayOperate(a service.Access) bool {
	for _, n := range consolePostNeeds {
		if a.Allows(n.resource, n.action) {
			return true
		}
	}
	return false
}

// consolePostNeeds is what each console form needs, as the API route doing
// the same needs it (server/authz.go).
var consolePostNeeds = map[string]routeNeed{
	"POST /canvases/{canvas}/events":                                       need(api.ResourceEvent, api.ActionCreate, fromCanvasPath),
	"POST /canvases/{canvas}/stages/{stage}/events/{event}/approve":        need(api.ResourceStageEvent, api.ActionApprove, fromCanvasPath),
	"POST /canvases/{canvas}/stages/{stage}/events/{event}/discard":        need(api.ResourceStageEvent, api.ActionApprove, fromCanvasPath),
	"POST /canvases/{canvas}/alerts/{alert}/acknowledge":                   need(api.ResourceAlert, api.ActionUpdate, fromCanvasPath),
	"POST /canvases/{canvas}/stages/{stage}/executions/{execution}/cancel": need(api.ResourceExecution, api.ActionUpdate, fromCanvasPath),
}

// consolePostAllowed decides a form post as the API decides its route: an
// organization owner or admin at once, anyone else by its roles on the
// form's canvas (one statement); a caller who cannot see the canvas gets
// 404. A form without a row in consolePostNeeds needs an owner or admin.
func (s *Server) consolePostAllowed(r *http.Request, pattern string, c *consoleCtx) error {
	if _, own := consoleSessionPosts[pattern]; own || canWrite(c.p) {
		return nil
	}
	n, ok := consolePostNeeds[pattern]
	canvas := r.PathValue("canvas")
	if ok && canvas != "" {
		a, err := s.authz.Access(r.Context(), c.p, canvas)
		if err != nil {
			return err
		}
		if a.Allows(n.resource, n.action) {
			return nil
		}
		if !a.SeesCanvas() && !service.TokenAllows(c.p, api.ResourceCanvas, api.ActionRead) {
			return notFound("canvas %q not found", canvas)
		}
	}
	return forbidden("role %s may only read this canvas: ask an owner, an admin or a canvas admin", c.p.Role)
}
