package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// Domain is where a role, group or assignment applies: the organization
// (Type DOMAIN_TYPE_ORGANIZATION or "", ID "") or a canvas (its id or
// name).
type Domain struct {
	Type string
	ID   string
}

// query is the domain as the roles routes' query string.
func (d Domain) query() url.Values {
	if d.Type == "" || d.Type == api.DomainTypeOrganization {
		return url.Values{"domainType": {api.DomainTypeOrganization}}
	}
	return url.Values{"domainType": {d.Type}, "domainId": {d.ID}}
}

// bodyType is the domain type a request body carries.
func (d Domain) bodyType() string {
	if d.Type == "" {
		return api.DomainTypeOrganization
	}
	return d.Type
}

func rolePath(name string) string      { return "/api/v1/roles/" + url.PathEscape(name) }
func userGroupPath(name string) string { return "/api/v1/groups/" + url.PathEscape(name) }

// RoleParams is what a caller sets on a custom role.
type RoleParams struct {
	Name        string
	DisplayName string
	Description string
	// Permissions are resource and action pairs of the role's domain.
	Permissions []api.Permission
}

func (p RoleParams) request(d Domain) api.RoleRequest {
	ps := p.Permissions
	if ps == nil {
		ps = []api.Permission{}
	}
	return api.RoleRequest{DomainType: d.bodyType(), DomainID: d.ID, Role: &api.Role{
		Metadata: &api.RoleMetadata{Name: p.Name},
		Spec:     &api.RoleSpec{DisplayName: p.DisplayName, Description: p.Description, Permissions: ps},
	}}
}

func checkRole(r *api.Role, op string) (*api.Role, error) {
	if r == nil || r.Metadata == nil || r.Spec == nil {
		return nil, errors.New(op + ": the server answered no role")
	}
	return r, nil
}

// ListRoles returns the domain's built-in and custom roles.
func (c *Client) ListRoles(ctx context.Context, d Domain) ([]api.Role, error) {
	var out api.ListRolesResponse
	if _, err := c.do(ctx, request{op: "list roles", method: http.MethodGet, path: "/api/v1/roles", query: d.query()}, &out); err != nil {
		return nil, err
	}
	if out.Roles == nil {
		out.Roles = []api.Role{}
	}
	return out.Roles, nil
}

// GetRole returns the domain's role called name; a missing one satisfies
// IsNotFound.
func (c *Client) GetRole(ctx context.Context, d Domain, name string) (*api.Role, error) {
	var out api.RoleResponse
	if _, err := c.do(ctx, request{op: "get role", method: http.MethodGet, path: rolePath(name), query: d.query()}, &out); err != nil {
		return nil, err
	}
	return checkRole(out.Role, "get role")
}

// CreateRole creates a custom role. A taken name satisfies IsConflict,
// except when a retry meets the role an earlier attempt made with the same
// permissions: then that role is returned.
func (c *Client) CreateRole(ctx context.Context, d Domain, p RoleParams) (*api.Role, error) {
	var out api.RoleResponse
	attempts, err := c.do(ctx, request{op: "create role", method: http.MethodPost, path: "/api/v1/roles", body: p.request(d)}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if r, gerr := c.GetRole(ctx, d, p.Name); gerr == nil && r.Spec.Description == p.Description && len(r.Spec.Permissions) == len(p.Permissions) {
				return r, nil
			}
		}
		return nil, err
	}
	return checkRole(out.Role, "create role")
}

// UpdateRole replaces a custom role's display name, description and
// permissions.
func (c *Client) UpdateRole(ctx context.Context, d Domain, p RoleParams) (*api.Role, error) {
	var out api.RoleResponse
	if _, err := c.do(ctx, request{op: "update role", method: http.MethodPut, path: rolePath(p.Name), body: p.request(d)}, &out); err != nil {
		return nil, err
	}
	return checkRole(out.Role, "update role")
}

// DeleteRole deletes a custom role; one still held satisfies IsConflict.
func (c *Client) DeleteRole(ctx context.Context, d Domain, name string) error {
	_, err := c.do(ctx, request{op: "delete role", method: http.MethodDelete, path: rolePath(name), query: d.query()}, nil)
	return err
}

// AssignRole gives the user (by id, or by email) the role on the domain.
func (c *Client) AssignRole(ctx context.Context, d Domain, role, userID, userEmail string) error {
	body := api.UserRef{DomainType: d.bodyType(), DomainID: d.ID, UserID: userID, UserEmail: userEmail}
	_, err := c.do(ctx, request{op: "assign role", method: http.MethodPost, path: rolePath(role) + "/users", body: body}, nil)
	return err
}

// GroupParams is what a caller sets on a group of users.
type GroupParams struct {
	Name        string
	DisplayName string
	Description string
	Role        string
}

func (p GroupParams) request(d Domain) api.GroupRequest {
	return api.GroupRequest{DomainType: d.bodyType(), DomainID: d.ID, Group: &api.Group{
		Metadata: &api.GroupMetadata{Name: p.Name},
		Spec:     &api.GroupSpec{Role: p.Role, DisplayName: p.DisplayName, Description: p.Description},
	}}
}

func checkUserGroup(g *api.Group, op string) (*api.Group, error) {
	if g == nil || g.Metadata == nil || g.Spec == nil {
		return nil, errors.New(op + ": the server answered no group")
	}
	return g, nil
}

// ListGroups returns the domain's groups.
func (c *Client) ListGroups(ctx context.Context, d Domain) ([]api.Group, error) {
	var out api.ListGroupsResponse
	if _, err := c.do(ctx, request{op: "list groups", method: http.MethodGet, path: "/api/v1/groups", query: d.query()}, &out); err != nil {
		return nil, err
	}
	if out.Groups == nil {
		out.Groups = []api.Group{}
	}
	return out.Groups, nil
}

// GetGroup returns the domain's group; a missing one satisfies IsNotFound.
func (c *Client) GetGroup(ctx context.Context, d Domain, name string) (*api.Group, error) {
	var out api.GroupResponse
	if _, err := c.do(ctx, request{op: "get group", method: http.MethodGet, path: userGroupPath(name), query: d.query()}, &out); err != nil {
		return nil, err
	}
	return checkUserGroup(out.Group, "get group")
}

// CreateGroup creates a group. A taken name satisfies IsConflict, except
// when a retry meets the group an earlier attempt made with the same role.
func (c *Client) CreateGroup(ctx context.Context, d Domain, p GroupParams) (*api.Group, error) {
	var out api.GroupResponse
	attempts, err := c.do(ctx, request{op: "create group", method: http.MethodPost, path: "/api/v1/groups", body: p.request(d)}, &out)
	if err != nil {
		if attempts > 1 && IsConflict(err) {
			if g, gerr := c.GetGroup(ctx, d, p.Name); gerr == nil && g.Spec.Role == p.Role && g.Status != nil && g.Status.MembersCount == 0 {
				return g, nil
			}
		}
		return nil, err
	}
	return checkUserGroup(out.Group, "create group")
}

// UpdateGroup replaces a group's display name, description and role.
func (c *Client) UpdateGroup(ctx context.Context, d Domain, p GroupParams) (*api.Group, error) {
	var out api.GroupResponse
	if _, err := c.do(ctx, request{op: "update group", method: http.MethodPut, path: userGroupPath(p.Name), body: p.request(d)}, &out); err != nil {
		return nil, err
	}
	return checkUserGroup(out.Group, "update group")
}

// DeleteGroup deletes a group.
func (c *Client) DeleteGroup(ctx context.Context, d Domain, name string) error {
	_, err := c.do(ctx, request{op: "delete group", method: http.MethodDelete, path: userGroupPath(name), query: d.query()}, nil)
	return err
}

// GroupUsers returns the group's members.
func (c *Client) GroupUsers(ctx context.Context, d Domain, name string) ([]api.User, error) {
	var out api.ListGroupUsersResponse
	if _, err := c.do(ctx, request{op: "list group users", method: http.MethodGet, path: userGroupPath(name) + "/users", query: d.query()}, &out); err != nil {
		return nil, err
	}
	if out.Users == nil {
		out.Users = []api.User{}
	}
	return out.Users, nil
}

// AddGroupUser adds a user (by id, or by email) to the group; adding a
// member again changes nothing.
func (c *Client) AddGroupUser(ctx context.Context, d Domain, group, userID, userEmail string) error {
	body := api.UserRef{DomainType: d.bodyType(), DomainID: d.ID, UserID: userID, UserEmail: userEmail}
	_, err := c.do(ctx, request{op: "add group user", method: http.MethodPost, path: userGroupPath(group) + "/users", body: body}, nil)
	return err
}

// RemoveGroupUser removes a user from the group; one that is not a member
// satisfies IsNotFound.
func (c *Client) RemoveGroupUser(ctx context.Context, d Domain, group, userID, userEmail string) error {
	body := api.UserRef{DomainType: d.bodyType(), DomainID: d.ID, UserID: userID, UserEmail: userEmail}
	_, err := c.do(ctx, request{op: "remove group user", method: http.MethodPatch, path: userGroupPath(group) + "/users/remove", body: body}, nil)
	return err
}

// ListUsers returns the domain's users (on a canvas, its members) with
// their role assignments.
func (c *Client) ListUsers(ctx context.Context, d Domain) ([]api.User, error) {
	var out api.ListUsersResponse
	if _, err := c.do(ctx, request{op: "list users", method: http.MethodGet, path: "/api/v1/users", query: d.query()}, &out); err != nil {
		return nil, err
	}
	if out.Users == nil {
		out.Users = []api.User{}
	}
	return out.Users, nil
}

// UserPermissions returns what the user may do on the domain.
func (c *Client) UserPermissions(ctx context.Context, d Domain, userID string) ([]api.Permission, error) {
	var out api.ListUserPermissionsResponse
	path := "/api/v1/users/" + url.PathEscape(userID) + "/permissions"
	if _, err := c.do(ctx, request{op: "list user permissions", method: http.MethodGet, path: path, query: d.query()}, &out); err != nil {
		return nil, err
	}
	if out.Permissions == nil {
		out.Permissions = []api.Permission{}
	}
	return out.Permissions, nil
}

// CanvasMembers returns the users holding a role on the canvas.
func (c *Client) CanvasMembers(ctx context.Context, canvas string) ([]api.User, error) {
	var out api.ListUsersResponse
	path := "/api/v1/canvases/" + url.PathEscape(canvas) + "/users"
	if _, err := c.do(ctx, request{op: "list canvas members", method: http.MethodGet, path: path}, &out); err != nil {
		return nil, err
	}
	if out.Users == nil {
		out.Users = []api.User{}
	}
	return out.Users, nil
}

// AddCanvasMember gives the user (by id, or by email) a canvas role on
// the canvas, replacing the one it had.
func (c *Client) AddCanvasMember(ctx context.Context, canvas, userID, userEmail, role string) error {
	path := "/api/v1/canvases/" + url.PathEscape(canvas) + "/users"
	body := api.AddCanvasUserRequest{UserID: userID, UserEmail: userEmail, Role: role}
	_, err := c.do(ctx, request{op: "add canvas member", method: http.MethodPost, path: path, body: body}, nil)
	return err
}

// RemoveCanvasMember takes the user's own role on the canvas away; a user
// without one satisfies IsNotFound.
func (c *Client) RemoveCanvasMember(ctx context.Context, canvas, userID string) error {
	path := "/api/v1/canvases/" + url.PathEscape(canvas) + "/users/" + url.PathEscape(userID)
	_, err := c.do(ctx, request{op: "remove canvas member", method: http.MethodDelete, path: path}, nil)
	return err
}
