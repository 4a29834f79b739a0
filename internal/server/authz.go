package server

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// canvasFrom says where a route names the canvas it acts on.
type canvasFrom int

const (
	// onOrganization: the route acts on the organization itself.
	onOrganization canvasFrom = iota
	// fromCanvasPath: the {canvasIdOrName} path segment.
	fromCanvasPath
	// fromIDPath: the {idOrName} path segment (the canvas routes).
	fromIDPath
	// fromDomain: domainType and domainId, in the query or else the JSON
	// body (secrets, integrations, roles, groups, users).
	fromDomain
)

// routeNeed is the permission a route needs: action on resource, on the
// canvas it names (or the organization). orgResource, when set, replaces
// resource when the route acts on the organization (assigning a role
// there is user business, on a canvas member business).
type routeNeed struct {
	resource, action string
	orgResource      string
	canvas           canvasFrom
	// self routes act on the caller's own token: every role may call
	// them. open routes decide in the handler (the canvas list, which a
	// member sees filtered).
	self, open bool
	// selfUser routes about a user ({userId}) are open to that user.
	selfUser bool
}

func need(resource, action string, c canvasFrom) routeNeed {
	return routeNeed{resource: resource, action: action, canvas: c}
}

// crudNeeds are the five routes of a collection under base: list and
// create on base, describe, update and delete on base/{item}.
func crudNeeds(m map[string]routeNeed, base, item, update, resource string, c canvasFrom) {
	m["GET "+base] = need(resource, api.ActionRead, c)
	m["POST "+base] = need(resource, api.ActionCreate, c)
	m["GET "+base+"/"+item] = need(resource, api.ActionRead, c)
	m[update+" "+base+"/"+item] = need(resource, api.ActionUpdate, c)
	m["DELETE "+base+"/"+item] = need(resource, api.ActionDelete, c)
}

// routeNeeds has the permission of every authenticated route.
// TestEveryRouteHasAPermission fails for a route without a row; until one
// is added such a route keeps the rule from before roles (reads for
// owner, admin and viewer, writes for owner and admin), so a route merged
// without a row is never more open than that.
var routeNeeds = func() map[string]routeNeed {
	m := map[string]routeNeed{
		"GET /api/v1/me":             {self: true},
		"POST /api/v1/me/token":      {self: true},
		"GET /api/v1/canvases":       {open: true},
		"POST /api/v1/canvases":      need(api.ResourceCanvas, api.ActionCreate, onOrganization),
		"GET " + api.AuditEventsPath: need(api.ResourceAuditEvent, api.ActionRead, onOrganization),

		"GET " + api.MeSessionsPath:                     {self: true},
		"DELETE " + api.MeSessionsPath:                  {self: true},
		"DELETE " + api.MeSessionsPath + "/{sessionId}": {self: true},
		"DELETE " + api.UserSessionsPath:                need(api.ResourceUser, api.ActionUpdate, onOrganization),

		"GET /api/v1/canvases/{idOrName}":    need(api.ResourceCanvas, api.ActionRead, fromIDPath),
		"PATCH /api/v1/canvases/{idOrName}":  need(api.ResourceCanvas, api.ActionUpdate, fromIDPath),
		"DELETE /api/v1/canvases/{idOrName}": need(api.ResourceCanvas, api.ActionDelete, fromIDPath),

		"POST /api/v1/integrations/{idOrName}/verify": need(api.ResourceIntegration, api.ActionUpdate, fromDomain),

		"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/reset-key": need(api.ResourceEventSource, api.ActionUpdate, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/event-sources/{idOrName}/refresh":   need(api.ResourceEventSource, api.ActionUpdate, fromCanvasPath),
		"GET /api/v1/canvases/{canvasIdOrName}/events":                              need(api.ResourceEvent, api.ActionRead, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/events":                             need(api.ResourceEvent, api.ActionCreate, fromCanvasPath),

		"GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events":                           need(api.ResourceStageEvent, api.ActionRead, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/approve":        need(api.ResourceStageEvent, api.ActionApprove, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/events/{eventId}/discard":        need(api.ResourceStageEvent, api.ActionApprove, fromCanvasPath),
		"GET /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions":                       need(api.ResourceExecution, api.ActionRead, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/stages/{stageIdOrName}/executions/{executionId}/cancel": need(api.ResourceExecution, api.ActionUpdate, fromCanvasPath),
		"GET /api/v1/canvases/{canvasIdOrName}/alerts":                                                  need(api.ResourceAlert, api.ActionRead, fromCanvasPath),
		"PATCH /api/v1/canvases/{canvasIdOrName}/alerts/{alertId}/acknowledge":                          need(api.ResourceAlert, api.ActionUpdate, fromCanvasPath),
		"GET /api/v1/canvases/{canvasIdOrName}/rejections":                                              need(api.ResourceEvent, api.ActionRead, fromCanvasPath),
		"GET /api/v1/canvases/{canvasIdOrName}/connection-groups/{idOrName}/field-sets":                 need(api.ResourceConnectionGroup, api.ActionRead, fromCanvasPath),
		"GET /api/v1/service-accounts/{idOrName}/tokens":                                                need(api.ResourceServiceAccount, api.ActionRead, onOrganization),
		"POST /api/v1/service-accounts/{idOrName}/tokens":                                               need(api.ResourceServiceAccount, api.ActionUpdate, onOrganization),
		"GET /api/v1/service-accounts/{idOrName}/tokens/{tokenId}":                                      need(api.ResourceServiceAccount, api.ActionRead, onOrganization),
		"DELETE /api/v1/service-accounts/{idOrName}/tokens/{tokenId}":                                   need(api.ResourceServiceAccount, api.ActionUpdate, onOrganization),

		"POST /api/v1/roles/{roleName}/users":           {resource: api.ResourceMember, orgResource: api.ResourceUser, action: api.ActionUpdate, canvas: fromDomain},
		"GET /api/v1/groups/{groupName}/users":          need(api.ResourceGroup, api.ActionRead, fromDomain),
		"POST /api/v1/groups/{groupName}/users":         need(api.ResourceGroup, api.ActionUpdate, fromDomain),
		"PATCH /api/v1/groups/{groupName}/users/remove": need(api.ResourceGroup, api.ActionUpdate, fromDomain),
		"GET /api/v1/users":                             {resource: api.ResourceMember, orgResource: api.ResourceUser, action: api.ActionRead, canvas: fromDomain},
		"GET /api/v1/users/{userId}/roles": {resource: api.ResourceMember, orgResource: api.ResourceUser, action: api.ActionRead,
			canvas: fromDomain, selfUser: true},
		"GET /api/v1/users/{userId}/permissions": {resource: api.ResourceMember, orgResource: api.ResourceUser, action: api.ActionRead,
			canvas: fromDomain, selfUser: true},
		"GET /api/v1/canvases/{canvasIdOrName}/users":             need(api.ResourceMember, api.ActionRead, fromCanvasPath),
		"POST /api/v1/canvases/{canvasIdOrName}/users":            need(api.ResourceMember, api.ActionCreate, fromCanvasPath),
		"DELETE /api/v1/canvases/{canvasIdOrName}/users/{userId}": need(api.ResourceMember, api.ActionDelete, fromCanvasPath),
	}
	crudNeeds(m, "/api/v1/secrets", "{idOrName}", "PATCH", api.ResourceSecret, fromDomain)
	crudNeeds(m, "/api/v1/integrations", "{idOrName}", "PATCH", api.ResourceIntegration, fromDomain)
	crudNeeds(m, "/api/v1/canvases/{canvasIdOrName}/event-sources", "{idOrName}", "PATCH", api.ResourceEventSource, fromCanvasPath)
	crudNeeds(m, "/api/v1/canvases/{canvasIdOrName}/stages", "{idOrName}", "PATCH", api.ResourceStage, fromCanvasPath)
	crudNeeds(m, "/api/v1/canvases/{canvasIdOrName}/connection-groups", "{idOrName}", "PATCH", api.ResourceConnectionGroup, fromCanvasPath)
	crudNeeds(m, "/api/v1/service-accounts", "{idOrName}", "PATCH", api.ResourceServiceAccount, onOrganization)
	crudNeeds(m, "/api/v1/auth-providers", "{idOrName}", "PATCH", api.ResourceAuthProvider, onOrganization)
	crudNeeds(m, "/api/v1/roles", "{roleName}", "PUT", api.ResourceRole, fromDomain)
	crudNeeds(m, "/api/v1/groups", "{groupName}", "PUT", api.ResourceGroup, fromDomain)
	return m
}()

// RouteHasPermission reports whether pattern has a row in the permission
// table (for TestEveryRouteHasAPermission).
func RouteHasPermission(pattern string) bool {
	_, ok := routeNeeds[pattern]
	return ok
}

// accessKey carries the request's Access to the handlers that decide more
// within a route (an event source's ?check=true).
type accessKey struct{}

func withAccess(r *http.Request, a service.Access) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), accessKey{}, a))
}

// requestAllows reports whether the request's access allows action on
// resource; false when the route was not authorized through Access.
func requestAllows(r *http.Request, resource, action string) bool {
	a, ok := r.Context().Value(accessKey{}).(service.Access)
	return ok && a.Allows(resource, action)
}

// authorize decides whether p may call the route: by its organization
// role alone when that allows (no statement), else by its grants on the
// canvas the request names (one statement). A caller who may not see the
// canvas gets 404, as if it did not exist.
func (s *Server) authorize(r *http.Request, pattern string, p store.Principal, write bool) (*http.Request, error) {
	n, ok := routeNeeds[pattern]
	if !ok {
		// A route without a row keeps the rule from before roles.
		if write && p.Role != api.RoleOwner && p.Role != api.RoleAdmin {
			return r, forbidden("role %s may not %s %s", p.Role, r.Method, r.URL.Path)
		}
		if p.Role == api.RoleMember {
			return r, forbidden("role %s may not %s %s", p.Role, r.Method, r.URL.Path)
		}
		return r, nil
	}
	if n.self || n.open || (n.selfUser && r.PathValue("userId") == p.User.ID) {
		return r, nil
	}
	resource := n.resource
	canvas := ""
	switch n.canvas {
	case fromCanvasPath:
		canvas = r.PathValue("canvasIdOrName")
	case fromIDPath:
		canvas = r.PathValue("idOrName")
		// As describeCanvas: a v1 client names the canvas in ?name=.
		if name := r.URL.Query().Get("name"); name != "" && r.Method == http.MethodGet {
			canvas = name
		}
	case fromDomain:
		dt, did := queryDomain(r)
		if dt == "" && r.Method != http.MethodGet && !service.TokenAllows(p, resource, n.action) {
			dt, did = bodyDomain(r)
		}
		if dt == api.DomainTypeCanvas {
			canvas = did
			if canvas == "" {
				return r, invalid("domainId is required with domainType %s", api.DomainTypeCanvas)
			}
		}
	}
	if canvas == "" && n.orgResource != "" {
		resource = n.orgResource
	}
	a, err := s.authz.Authorize(r.Context(), p, resource, n.action, canvas)
	if err != nil {
		return r, err
	}
	return withAccess(r, a), nil
}

// bodyFields is what the authorization and the audit peek at in a body:
// the domain and the user, in either spelling.
type bodyFields struct {
	DomainType  string `json:"domainType"`
	DomainID    string `json:"domainId"`
	DomainTypeS string `json:"domain_type"`
	DomainIDS   string `json:"domain_id"`
	UserID      string `json:"userId"`
	UserIDS     string `json:"user_id"`
	UserEmail   string `json:"userEmail"`
	UserEmailS  string `json:"user_email"`
}

// peekBody decodes a JSON body's bodyFields and puts the body back for
// the handler, which reads and checks it whole.
func peekBody(r *http.Request) bodyFields {
	var d bodyFields
	if r.Body == nil {
		return d
	}
	// Read once, within the body's reservation; the handler's decode
	// takes these bytes (or the error) rather than a second copy.
	head, err := readRequestBody(r, maxBodyBytes)
	r.Body = newReadBody(head, err)
	if err != nil || json.Unmarshal(head, &d) != nil {
		return bodyFields{}
	}
	return d
}

// bodyUser is a body's userId and userEmail.
func bodyUser(r *http.Request) (string, string) {
	d := peekBody(r)
	if d.UserID == "" {
		d.UserID = d.UserIDS
	}
	if d.UserEmail == "" {
		d.UserEmail = d.UserEmailS
	}
	return d.UserID, d.UserEmail
}

// bodyDomain is a body's domainType and domainId.
func bodyDomain(r *http.Request) (string, string) {
	d := peekBody(r)
	if d.DomainType == "" {
		d.DomainType = d.DomainTypeS
	}
	if d.DomainID == "" {
		d.DomainID = d.DomainIDS
	}
	return d.DomainType, d.DomainID
}
