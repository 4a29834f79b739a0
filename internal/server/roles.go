package server

import (
	"net/http"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// roleRoutes registers the contract's roles, groups and users routes and
// canvas membership. Who may call them is the permission table's
// (authz.go); the service refuses granting more than the caller holds.
func (s *Server) roleRoutes() {
	s.handle("GET /api/v1/roles", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		list, err := s.roles.ListRoles(r.Context(), p, d)
		return api.ListRolesResponse{Roles: list}, err
	}))
	s.handle("POST /api/v1/roles", inBodyDomain(s, roleDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.RoleRequest) (any, error) {
		role, err := s.roles.CreateRole(r.Context(), p, d, req)
		return api.RoleResponse{Role: &role}, err
	}))
	s.handle("GET /api/v1/roles/{roleName}", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		role, err := s.roles.DescribeRole(r.Context(), p, d, r.PathValue("roleName"))
		return api.RoleResponse{Role: &role}, err
	}))
	s.handle("PUT /api/v1/roles/{roleName}", inBodyDomain(s, roleDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.RoleRequest) (any, error) {
		role, err := s.roles.UpdateRole(r.Context(), p, d, r.PathValue("roleName"), req)
		return api.RoleResponse{Role: &role}, err
	}))
	s.handle("DELETE /api/v1/roles/{roleName}", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		return api.Empty{}, s.roles.DeleteRole(r.Context(), p, d, r.PathValue("roleName"))
	}))
	s.handle("POST /api/v1/roles/{roleName}/users", inBodyDomain(s, userRefDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.UserRef) (any, error) {
		return api.Empty{}, s.roles.AssignRole(r.Context(), p, d, r.PathValue("roleName"), req)
	}))

	s.handle("GET /api/v1/groups", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		list, err := s.roles.ListGroups(r.Context(), p, d)
		out := api.ListGroupsResponse{Groups: make([]api.Group, 0, len(list))}
		for _, g := range list {
			out.Groups = append(out.Groups, service.GroupToAPI(g))
		}
		return out, err
	}))
	s.handle("POST /api/v1/groups", inBodyDomain(s, groupDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.GroupRequest) (any, error) {
		return groupAnswer(s.roles.CreateGroup(r.Context(), p, d, req))
	}))
	s.handle("GET /api/v1/groups/{groupName}", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		return groupAnswer(s.roles.DescribeGroup(r.Context(), p, d, r.PathValue("groupName")))
	}))
	s.handle("PUT /api/v1/groups/{groupName}", inBodyDomain(s, groupDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.GroupRequest) (any, error) {
		return groupAnswer(s.roles.UpdateGroup(r.Context(), p, d, r.PathValue("groupName"), req))
	}))
	s.handle("DELETE /api/v1/groups/{groupName}", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		return api.Empty{}, s.roles.DeleteGroup(r.Context(), p, d, r.PathValue("groupName"))
	}))
	s.handle("GET /api/v1/groups/{groupName}/users", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		g, users, err := s.roles.GroupMembers(r.Context(), p, d, r.PathValue("groupName"))
		out := api.ListGroupUsersResponse{Group: ptr(service.GroupToAPI(g)), Users: make([]api.User, 0, len(users))}
		for _, u := range users {
			out.Users = append(out.Users, userToAPI(service.UserView{User: u}))
		}
		return out, err
	}))
	s.handle("POST /api/v1/groups/{groupName}/users", inBodyDomain(s, userRefDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.UserRef) (any, error) {
		return api.Empty{}, s.roles.AddGroupMember(r.Context(), p, d, r.PathValue("groupName"), req)
	}))
	s.handle("PATCH /api/v1/groups/{groupName}/users/remove", inBodyDomain(s, userRefDomain, func(r *http.Request, p store.Principal, d service.Domain, req api.UserRef) (any, error) {
		return api.Empty{}, s.roles.RemoveGroupMember(r.Context(), p, d, r.PathValue("groupName"), req)
	}))

	s.handle("GET /api/v1/users", s.inDomain(s.users))
	s.handle("GET /api/v1/users/{userId}/roles", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		v, err := s.roles.User(r.Context(), p, d, r.PathValue("userId"))
		return api.ListUserRolesResponse{UserID: v.User.ID, DomainType: d.Type, DomainID: d.ID, Roles: v.Roles}, err
	}))
	s.handle("GET /api/v1/users/{userId}/permissions", s.inDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		v, err := s.roles.User(r.Context(), p, d, r.PathValue("userId"))
		return api.ListUserPermissionsResponse{UserID: v.User.ID, DomainType: d.Type, DomainID: d.ID, Permissions: v.Permissions}, err
	}))

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/users", s.inCanvasDomain(s.users))
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/users", s.addCanvasUser)
	s.handle("DELETE /api/v1/canvases/{canvasIdOrName}/users/{userId}", s.inCanvasDomain(func(r *http.Request, p store.Principal, d service.Domain) (any, error) {
		return api.Empty{}, s.roles.RemoveCanvasUser(r.Context(), p, d, r.PathValue("userId"))
	}))
}

// domainFunc answers a route of these families once its domain is known:
// the value to write with 200, or the error to answer instead.
type domainFunc func(r *http.Request, p store.Principal, d service.Domain) (any, error)

// inDomain serves a route whose domain is the query's (as the
// authorization read it) or the organization.
func (s *Server) inDomain(fn domainFunc) handlerFunc {
	return s.answerIn(func(r *http.Request, p store.Principal) (service.Domain, error) {
		return s.domain(r, p, "", "")
	}, fn)
}

// inCanvasDomain serves a canvas membership route: the path names the
// domain.
func (s *Server) inCanvasDomain(fn domainFunc) handlerFunc {
	return s.answerIn(s.canvasDomain, fn)
}

func (s *Server) answerIn(resolve func(*http.Request, store.Principal) (service.Domain, error), fn domainFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p store.Principal) error {
		d, err := resolve(r, p)
		if err != nil {
			return err
		}
		out, err := fn(r, p, d)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// inBodyDomain serves a route with a body of type Req, whose domain is
// the query's when it names one, else the body's (bodyDomain reads it):
// the body is decoded before the domain is resolved.
func inBodyDomain[Req any](s *Server, bodyDomain func(*Req) (string, string),
	fn func(r *http.Request, p store.Principal, d service.Domain, req Req) (any, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p store.Principal) error {
		var req Req
		if err := decodeBody(r, &req); err != nil {
			return err
		}
		dt, did := bodyDomain(&req)
		d, err := s.domain(r, p, dt, did)
		if err != nil {
			return err
		}
		out, err := fn(r, p, d, req)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func roleDomain(r *api.RoleRequest) (string, string)   { return r.DomainType, r.DomainID }
func groupDomain(r *api.GroupRequest) (string, string) { return r.DomainType, r.DomainID }
func userRefDomain(r *api.UserRef) (string, string)    { return r.DomainType, r.DomainID }

func groupAnswer(g store.UserGroup, err error) (any, error) {
	return api.GroupResponse{Group: ptr(service.GroupToAPI(g))}, err
}

// domain resolves the request's domain: the query's when it names one
// (as the authorization read it), else the body's.
func (s *Server) domain(r *http.Request, p store.Principal, bodyType, bodyID string) (service.Domain, error) {
	dt, did := queryDomain(r)
	if dt == "" {
		dt, did = bodyType, bodyID
	}
	return s.roles.ResolveDomain(r.Context(), p, dt, did)
}

func (s *Server) canvasDomain(r *http.Request, p store.Principal) (service.Domain, error) {
	return s.roles.ResolveDomain(r.Context(), p, api.DomainTypeCanvas, r.PathValue("canvasIdOrName"))
}

// userToAPI is a user in the wire's shape, with its assignments.
func userToAPI(v service.UserView) api.User {
	created := v.User.CreatedAt
	assignments := v.Assignments
	if assignments == nil {
		assignments = []api.RoleAssignment{}
	}
	return api.User{
		Metadata: &api.UserMetadata{ID: v.User.ID, Email: v.User.Email, CreatedAt: &created, UpdatedAt: &created},
		Spec:     &api.UserSpec{AccountProviders: []any{}},
		Status:   &api.UserStatus{RoleAssignments: assignments},
	}
}

// users lists the users of a domain with their assignments.
func (s *Server) users(r *http.Request, p store.Principal, d service.Domain) (any, error) {
	users, err := s.roles.Users(r.Context(), p, d)
	out := api.ListUsersResponse{Users: make([]api.User, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, userToAPI(u))
	}
	return out, err
}

func (s *Server) addCanvasUser(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.AddCanvasUserRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.canvasDomain(r, p)
	if err != nil {
		return err
	}
	role := req.Role
	if role == "" {
		role = api.RoleCanvasViewer
	}
	ref := api.UserRef{DomainType: d.Type, DomainID: d.ID, UserID: req.UserID, UserEmail: req.UserEmail}
	if err := s.roles.AssignRole(r.Context(), p, d, role, ref); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}
