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
	s.handle("GET /api/v1/roles", s.listRoles)
	s.handle("POST /api/v1/roles", s.createRole)
	s.handle("GET /api/v1/roles/{roleName}", s.describeRole)
	s.handle("PUT /api/v1/roles/{roleName}", s.updateRole)
	s.handle("DELETE /api/v1/roles/{roleName}", s.deleteRole)
	s.handle("POST /api/v1/roles/{roleName}/users", s.assignRole)

	s.handle("GET /api/v1/groups", s.listGroups)
	s.handle("POST /api/v1/groups", s.createGroup)
	s.handle("GET /api/v1/groups/{groupName}", s.describeGroup)
	s.handle("PUT /api/v1/groups/{groupName}", s.updateGroup)
	s.handle("DELETE /api/v1/groups/{groupName}", s.deleteGroup)
	s.handle("GET /api/v1/groups/{groupName}/users", s.listGroupUsers)
	s.handle("POST /api/v1/groups/{groupName}/users", s.addGroupUser)
	s.handle("PATCH /api/v1/groups/{groupName}/users/remove", s.removeGroupUser)

	s.handle("GET /api/v1/users", s.listUsers)
	s.handle("GET /api/v1/users/{userId}/roles", s.listUserRoles)
	s.handle("GET /api/v1/users/{userId}/permissions", s.listUserPermissions)

	s.handle("GET /api/v1/canvases/{canvasIdOrName}/users", s.listCanvasUsers)
	s.handle("POST /api/v1/canvases/{canvasIdOrName}/users", s.addCanvasUser)
	s.handle("DELETE /api/v1/canvases/{canvasIdOrName}/users/{userId}", s.removeCanvasUser)
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

func (s *Server) listRoles(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	roles, err := s.roles.ListRoles(r.Context(), p, d)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListRolesResponse{Roles: roles})
	return nil
}

func (s *Server) describeRole(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	role, err := s.roles.DescribeRole(r.Context(), p, d, r.PathValue("roleName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.RoleResponse{Role: &role})
	return nil
}

func (s *Server) createRole(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.RoleRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	role, err := s.roles.CreateRole(r.Context(), p, d, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.RoleResponse{Role: &role})
	return nil
}

func (s *Server) updateRole(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.RoleRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	role, err := s.roles.UpdateRole(r.Context(), p, d, r.PathValue("roleName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.RoleResponse{Role: &role})
	return nil
}

func (s *Server) deleteRole(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	if err := s.roles.DeleteRole(r.Context(), p, d, r.PathValue("roleName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) assignRole(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UserRef
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	if err := s.roles.AssignRole(r.Context(), p, d, r.PathValue("roleName"), req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	groups, err := s.roles.ListGroups(r.Context(), p, d)
	if err != nil {
		return err
	}
	out := api.ListGroupsResponse{Groups: make([]api.Group, 0, len(groups))}
	for _, g := range groups {
		out.Groups = append(out.Groups, service.GroupToAPI(g))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) describeGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	g, err := s.roles.DescribeGroup(r.Context(), p, d, r.PathValue("groupName"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.GroupResponse{Group: ptr(service.GroupToAPI(g))})
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.GroupRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	g, err := s.roles.CreateGroup(r.Context(), p, d, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.GroupResponse{Group: ptr(service.GroupToAPI(g))})
	return nil
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.GroupRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	g, err := s.roles.UpdateGroup(r.Context(), p, d, r.PathValue("groupName"), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.GroupResponse{Group: ptr(service.GroupToAPI(g))})
	return nil
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	if err := s.roles.DeleteGroup(r.Context(), p, d, r.PathValue("groupName")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) listGroupUsers(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	g, users, err := s.roles.GroupMembers(r.Context(), p, d, r.PathValue("groupName"))
	if err != nil {
		return err
	}
	out := api.ListGroupUsersResponse{Group: ptr(service.GroupToAPI(g)), Users: make([]api.User, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, userToAPI(service.UserView{User: u}))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) addGroupUser(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UserRef
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	if err := s.roles.AddGroupMember(r.Context(), p, d, r.PathValue("groupName"), req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}

func (s *Server) removeGroupUser(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	var req api.UserRef
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	d, err := s.domain(r, p, req.DomainType, req.DomainID)
	if err != nil {
		return err
	}
	if err := s.roles.RemoveGroupMember(r.Context(), p, d, r.PathValue("groupName"), req); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
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

func (s *Server) writeUsers(w http.ResponseWriter, r *http.Request, p store.Principal, d service.Domain) error {
	users, err := s.roles.Users(r.Context(), p, d)
	if err != nil {
		return err
	}
	out := api.ListUsersResponse{Users: make([]api.User, 0, len(users))}
	for _, u := range users {
		out.Users = append(out.Users, userToAPI(u))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	return s.writeUsers(w, r, p, d)
}

func (s *Server) listUserRoles(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	v, err := s.roles.User(r.Context(), p, d, r.PathValue("userId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListUserRolesResponse{UserID: v.User.ID, DomainType: d.Type, DomainID: d.ID, Roles: v.Roles})
	return nil
}

func (s *Server) listUserPermissions(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.domain(r, p, "", "")
	if err != nil {
		return err
	}
	v, err := s.roles.User(r.Context(), p, d, r.PathValue("userId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.ListUserPermissionsResponse{UserID: v.User.ID, DomainType: d.Type, DomainID: d.ID, Permissions: v.Permissions})
	return nil
}

func (s *Server) listCanvasUsers(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.canvasDomain(r, p)
	if err != nil {
		return err
	}
	return s.writeUsers(w, r, p, d)
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

func (s *Server) removeCanvasUser(w http.ResponseWriter, r *http.Request, p store.Principal) error {
	d, err := s.canvasDomain(r, p)
	if err != nil {
		return err
	}
	if err := s.roles.RemoveCanvasUser(r.Context(), p, d, r.PathValue("userId")); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, api.Empty{})
	return nil
}
