package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// roleAuditRoute reports whether a write route is one of the roles' or
// groups', whose domain may travel in the body rather than the query.
func roleAuditRoute(r *http.Request) bool {
	_, path, _ := strings.Cut(r.Pattern, " ")
	return r.Method != http.MethodGet && (strings.HasPrefix(path, "/api/v1/roles") || strings.HasPrefix(path, "/api/v1/groups"))
}

// roleAuditCanvas is the canvas a roles or groups write names in its body
// ("" for the organization).
func roleAuditCanvas(r *http.Request) string {
	if !roleAuditRoute(r) {
		return ""
	}
	if dt, did := bodyDomain(r); dt == api.DomainTypeCanvas {
		return did
	}
	return ""
}

// roleAuditUser names the user a membership or assignment route's body
// names (userId or userEmail): such a route's object is that user.
func (s *Server) roleAuditUser(ctx context.Context, r *http.Request, p store.Principal, ev *store.AuditEvent) {
	if r.Method == http.MethodGet || r.Body == nil {
		return
	}
	id, email := bodyUser(r)
	key := id
	if key == "" {
		key = email
	}
	if key == "" {
		return
	}
	ev.ObjectName = email
	if u, err := s.store.FindUser(ctx, p.Organization.ID, key); err == nil {
		ev.ObjectID, ev.ObjectName = u.ID, u.Email
	}
}

// findRoleAuditObject finds a role, group or user named in the path.
func (s *Server) findRoleAuditObject(ctx context.Context, p store.Principal, objectType, canvasID, key string) (id, name string) {
	org := p.Organization.ID
	dt, did := store.DomainOrganization, org
	if canvasID != "" {
		dt, did = store.DomainCanvas, canvasID
	}
	switch objectType {
	case "role":
		if c, err := s.store.FindCustomRole(ctx, org, dt, did, key); err == nil {
			return c.ID, c.Name
		}
	case "group":
		if g, err := s.store.FindUserGroup(ctx, org, dt, did, key); err == nil {
			return g.ID, g.Name
		}
	case "user":
		if u, err := s.store.FindUser(ctx, org, key); err == nil {
			return u.ID, u.Email
		}
	}
	return "", ""
}
