package service

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// GroupToAPI is a group of users in the wire's shape.
func GroupToAPI(g store.UserGroup) api.Group {
	created, updated := g.CreatedAt, g.UpdatedAt
	return api.Group{
		Metadata: &api.GroupMetadata{ID: g.ID, Name: g.Name, DomainType: g.DomainType, DomainID: g.DomainID, CreatedAt: &created, UpdatedAt: &updated},
		Spec:     &api.GroupSpec{Role: g.Role, DisplayName: g.DisplayName, Description: g.Description},
		Status:   &api.GroupStatus{MembersCount: g.MembersCount},
	}
}

// groupRole checks a group's role: one of d's roles, never the owner of
// the organization (owners are people, one by one, so the organization
// always knows who its owners are), and one the caller holds.
func (r *Roles) groupRole(ctx context.Context, p store.Principal, d Domain, name, role string) error {
	if role == "" {
		return Invalid("group.spec.role is required")
	}
	if role == api.RoleOrgOwner {
		return Invalid("group.spec.role %q: a group cannot make owners", role)
	}
	_, perms, err := r.findRole(ctx, p, d, role)
	if err != nil {
		return Invalid("group.spec.role %q is not a role of the group's domain: %v", role, err)
	}
	return r.mayGrant(ctx, p, d, fmt.Sprintf("group %q with role %q", name, role), perms)
}

// ListGroups returns d's groups by name.
func (r *Roles) ListGroups(ctx context.Context, p store.Principal, d Domain) ([]store.UserGroup, error) {
	return r.Store.ListUserGroups(ctx, p.Organization.ID, d.Type, d.ID)
}

// DescribeGroup returns d's group called name.
func (r *Roles) DescribeGroup(ctx context.Context, p store.Principal, d Domain, name string) (store.UserGroup, error) {
	return r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
}

// CreateGroup creates a group of users in d.
func (r *Roles) CreateGroup(ctx context.Context, p store.Principal, d Domain, req api.GroupRequest) (store.UserGroup, error) {
	if req.Group == nil || req.Group.Metadata == nil {
		return store.UserGroup{}, Invalid("group.metadata.name is required")
	}
	name := req.Group.Metadata.Name
	if err := ValidateName("group.metadata.name", name); err != nil {
		return store.UserGroup{}, err
	}
	spec := req.Group.Spec
	if spec == nil {
		spec = &api.GroupSpec{}
	}
	if len(spec.Description) > MaxDescriptionLen {
		return store.UserGroup{}, Invalid("group.spec.description must be at most %d characters", MaxDescriptionLen)
	}
	if err := r.groupRole(ctx, p, d, name, spec.Role); err != nil {
		return store.UserGroup{}, err
	}
	now := Timestamp(r.Now)
	return r.Store.CreateUserGroup(ctx, store.UserGroup{ID: uuid.NewString(), OrgID: p.Organization.ID, DomainType: d.Type, DomainID: d.ID,
		Name: name, DisplayName: spec.DisplayName, Description: spec.Description, Role: spec.Role, CreatedAt: now, UpdatedAt: now})
}

// UpdateGroup replaces a group's display name, description and role; the
// caller must hold both the old role and the new.
func (r *Roles) UpdateGroup(ctx context.Context, p store.Principal, d Domain, name string, req api.GroupRequest) (store.UserGroup, error) {
	old, err := r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return store.UserGroup{}, err
	}
	spec := &api.GroupSpec{}
	if req.Group != nil && req.Group.Spec != nil {
		spec = req.Group.Spec
	}
	if req.Group != nil && req.Group.Metadata != nil && req.Group.Metadata.Name != "" && req.Group.Metadata.Name != name {
		return store.UserGroup{}, Invalid("group.metadata.name %q: a group cannot be renamed", req.Group.Metadata.Name)
	}
	if len(spec.Description) > MaxDescriptionLen {
		return store.UserGroup{}, Invalid("group.spec.description must be at most %d characters", MaxDescriptionLen)
	}
	if spec.Role == "" {
		spec.Role = old.Role
	}
	if err := r.groupRole(ctx, p, d, name, old.Role); err != nil {
		return store.UserGroup{}, err
	}
	if err := r.groupRole(ctx, p, d, name, spec.Role); err != nil {
		return store.UserGroup{}, err
	}
	old.DisplayName, old.Description, old.Role, old.UpdatedAt = spec.DisplayName, spec.Description, spec.Role, Timestamp(r.Now)
	return r.Store.UpdateUserGroup(ctx, old)
}

// DeleteGroup deletes a group; its members lose what it gave them.
func (r *Roles) DeleteGroup(ctx context.Context, p store.Principal, d Domain, name string) error {
	old, err := r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return err
	}
	if err := r.groupRole(ctx, p, d, name, old.Role); err != nil {
		return err
	}
	return r.Store.DeleteUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
}

// GroupMembers returns the group and its members.
func (r *Roles) GroupMembers(ctx context.Context, p store.Principal, d Domain, name string) (store.UserGroup, []store.User, error) {
	g, err := r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return store.UserGroup{}, nil, err
	}
	users, err := r.Store.ListUserGroupMembers(ctx, p.Organization.ID, g.ID)
	return g, users, err
}

// AddGroupMember adds a user (by id, or by email: created when new) to
// the group: giving it the group's role, which the caller must hold.
func (r *Roles) AddGroupMember(ctx context.Context, p store.Principal, d Domain, name string, ref api.UserRef) error {
	g, err := r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return err
	}
	if err := r.groupRole(ctx, p, d, name, g.Role); err != nil {
		return err
	}
	u, err := r.findUser(ctx, p, ref.UserID, ref.UserEmail)
	if err != nil {
		return err
	}
	return r.Store.AddUserGroupMember(ctx, p.Organization.ID, g.ID, u.ID)
}

// RemoveGroupMember removes a user from the group.
func (r *Roles) RemoveGroupMember(ctx context.Context, p store.Principal, d Domain, name string, ref api.UserRef) error {
	g, err := r.Store.FindUserGroup(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return err
	}
	if err := r.groupRole(ctx, p, d, name, g.Role); err != nil {
		return err
	}
	var u store.User
	if ref.UserID != "" {
		u, err = r.Store.FindUser(ctx, p.Organization.ID, ref.UserID)
	} else if ref.UserEmail != "" {
		u, err = r.Store.FindUser(ctx, p.Organization.ID, ref.UserEmail)
	} else {
		err = Invalid("userId or userEmail is required")
	}
	if err != nil {
		return err
	}
	return r.Store.RemoveUserGroupMember(ctx, p.Organization.ID, g.ID, u.ID)
}

// UserView is a user with its role assignments on one domain and its
// permissions there.
type UserView struct {
	User        store.User
	Assignments []api.RoleAssignment
	Roles       []api.Role
	Permissions []api.Permission
}

// view is a user's roles on d (the organization role always counts
// on a canvas too, since it acts on every canvas).
func view(p store.Principal, d Domain, u store.UserRoles) (UserView, bool) {
	v := UserView{User: u.User, Assignments: []api.RoleAssignment{}, Roles: []api.Role{}}
	org := Domain{Type: store.DomainOrganization, ID: p.Organization.ID}
	onDomain := false
	if u.OrgRole != "" {
		name := api.OrgRoleName(u.OrgRole)
		role := builtinRole(org, name)
		v.Assignments = append(v.Assignments, api.RoleAssignment{RoleName: name, RoleDisplayName: role.Spec.DisplayName,
			RoleDescription: role.Spec.Description, DomainType: org.Type, DomainID: org.ID})
		v.Roles = append(v.Roles, role)
		onDomain = d.Type == store.DomainOrganization
	}
	for _, g := range u.Grants {
		if g.DomainType == store.DomainCanvas && (d.Type != store.DomainCanvas || g.DomainID != d.ID) {
			continue
		}
		gd := Domain{Type: g.DomainType, ID: g.DomainID}
		var role api.Role
		if g.Custom {
			role = api.Role{Metadata: &api.RoleMetadata{Name: g.Role, DomainType: g.DomainType, DomainID: g.DomainID},
				Spec: &api.RoleSpec{DisplayName: g.DisplayName, Description: g.Description, Permissions: []api.Permission{}}}
			for _, perm := range g.Permissions {
				role.Spec.Permissions = append(role.Spec.Permissions, api.Permission{Resource: perm.Resource, Action: perm.Action, DomainType: g.DomainType})
			}
		} else {
			role = builtinRole(gd, g.Role)
		}
		v.Assignments = append(v.Assignments, api.RoleAssignment{RoleName: g.Role, RoleDisplayName: role.Spec.DisplayName,
			RoleDescription: role.Spec.Description, DomainType: g.DomainType, DomainID: g.DomainID, GroupName: g.Group})
		v.Roles = append(v.Roles, role)
		onDomain = onDomain || g.DomainType == d.Type
	}
	v.Permissions = permissionList(accessOf(u.OrgRole, u.Grants, d.canvas()), d.Type)
	return v, onDomain
}

// Users lists the users of d: on the organization every user, on a canvas
// those holding a role on it (members), each with their assignments.
func (r *Roles) Users(ctx context.Context, p store.Principal, d Domain) ([]UserView, error) {
	users, err := r.Store.ListUserRoles(ctx, p.Organization.ID)
	if err != nil {
		return nil, err
	}
	out := []UserView{}
	for _, u := range users {
		v, on := view(p, d, u)
		if d.Type == store.DomainOrganization || on {
			out = append(out, v)
		}
	}
	return out, nil
}

// User is one user's view on d.
func (r *Roles) User(ctx context.Context, p store.Principal, d Domain, userID string) (UserView, error) {
	u, err := r.Store.FindUser(ctx, p.Organization.ID, userID)
	if err != nil {
		return UserView{}, err
	}
	users, err := r.Store.ListUserRoles(ctx, p.Organization.ID)
	if err != nil {
		return UserView{}, err
	}
	for _, ur := range users {
		if ur.User.ID == u.ID {
			v, _ := view(p, d, ur)
			return v, nil
		}
	}
	return UserView{}, NotFound("user %q not found", userID)
}
