package api

import (
	"slices"
	"time"
)

// RoleMember is the organization role that by itself grants nothing on
// any canvas: a canvas-scoped user is a member with canvas roles on some
// canvases (role bindings and groups). Tokens carry it like the other
// organization roles.
const RoleMember = "member"

// Built-in role names as the roles API, groups and bindings spell them
// (the v1 names). The organization ones are the token roles with an org_
// prefix: org_owner is the token role owner.
const (
	RoleOrgOwner     = "org_owner"
	RoleOrgAdmin     = "org_admin"
	RoleOrgViewer    = "org_viewer"
	RoleOrgMember    = "org_member"
	RoleCanvasOwner  = "canvas_owner"
	RoleCanvasAdmin  = "canvas_admin"
	RoleCanvasViewer = "canvas_viewer"
)

// Permission actions.
const (
	ActionRead    = "read"
	ActionCreate  = "create"
	ActionUpdate  = "update"
	ActionDelete  = "delete"
	ActionApprove = "approve"
)

// Permission resources. The canvas ones exist in both domains (at the
// organization they act on every canvas); the organization ones only there.
const (
	ResourceCanvas          = "canvas"
	ResourceSecret          = "secret"
	ResourceIntegration     = "integration"
	ResourceEventSource     = "eventsource"
	ResourceEvent           = "event"
	ResourceStage           = "stage"
	ResourceStageEvent      = "stageevent"
	ResourceExecution       = "execution"
	ResourceAlert           = "alert"
	ResourceConnectionGroup = "connectiongroup"
	ResourceMember          = "member"
	ResourceRole            = "role"
	ResourceGroup           = "group"
	ResourceUser            = "user"
	ResourceServiceAccount  = "serviceaccount"
	ResourceAuthProvider    = "authprovider"
	ResourceAuditEvent      = "auditevent"
	// ResourceOrganization update is what only owners hold: granting the
	// owner role, or acting on an owner.
	ResourceOrganization = "organization"
)

// Permission is AuthorizationPermission: an action on a resource in a
// domain.
type Permission struct {
	Resource   string `json:"resource"`
	Action     string `json:"action"`
	DomainType string `json:"domainType"`
}

// crud is the four actions most resources take.
var crud = []string{ActionRead, ActionCreate, ActionUpdate, ActionDelete}

// CanvasPermissions lists every action on every resource of a canvas, the
// permissions a canvas role may hold, in a stable order.
func CanvasPermissions() []Permission {
	var out []Permission
	add := func(resource string, actions ...string) {
		for _, a := range actions {
			out = append(out, Permission{Resource: resource, Action: a, DomainType: DomainTypeCanvas})
		}
	}
	add(ResourceCanvas, ActionRead, ActionUpdate, ActionDelete)
	add(ResourceSecret, crud...)
	add(ResourceIntegration, crud...)
	add(ResourceEventSource, crud...)
	add(ResourceEvent, ActionRead, ActionCreate)
	add(ResourceStage, crud...)
	add(ResourceStageEvent, ActionRead, ActionApprove)
	add(ResourceExecution, ActionRead, ActionUpdate)
	add(ResourceAlert, ActionRead, ActionUpdate)
	add(ResourceConnectionGroup, crud...)
	add(ResourceMember, crud...)
	add(ResourceRole, crud...)
	add(ResourceGroup, crud...)
	return out
}

// OrganizationPermissions lists every permission an organization role may
// hold: the canvas ones (then on every canvas) and the organization's own.
func OrganizationPermissions() []Permission {
	out := CanvasPermissions()
	for i := range out {
		out[i].DomainType = DomainTypeOrganization
	}
	add := func(resource string, actions ...string) {
		for _, a := range actions {
			out = append(out, Permission{Resource: resource, Action: a, DomainType: DomainTypeOrganization})
		}
	}
	add(ResourceCanvas, ActionCreate)
	add(ResourceUser, ActionRead, ActionUpdate)
	add(ResourceServiceAccount, crud...)
	add(ResourceAuthProvider, crud...)
	add(ResourceAuditEvent, ActionRead)
	add(ResourceOrganization, ActionRead, ActionUpdate)
	return out
}

// BuiltinPermissions returns the permissions of a built-in role (org_* or
// canvas_* name, or a token role), and false for any other name.
func BuiltinPermissions(role string) ([]Permission, bool) {
	switch role {
	case RoleOrgOwner, RoleOwner:
		return OrganizationPermissions(), true
	case RoleOrgAdmin, RoleAdmin:
		return without(OrganizationPermissions(), func(p Permission) bool {
			return p.Resource == ResourceOrganization && p.Action == ActionUpdate
		}), true
	case RoleOrgViewer, RoleViewer:
		return without(OrganizationPermissions(), func(p Permission) bool {
			// A viewer reads everything but the audit trail, as before
			// roles existed.
			return p.Action != ActionRead || p.Resource == ResourceAuditEvent
		}), true
	case RoleOrgMember, RoleMember:
		return []Permission{}, true
	case RoleCanvasOwner:
		return CanvasPermissions(), true
	case RoleCanvasAdmin:
		// An admin manages the canvas but cannot delete it, nor make
		// owners (it lacks canvas delete, so the escalation rule refuses).
		return without(CanvasPermissions(), func(p Permission) bool {
			return p.Resource == ResourceCanvas && p.Action == ActionDelete
		}), true
	case RoleCanvasViewer:
		return without(CanvasPermissions(), func(p Permission) bool { return p.Action != ActionRead }), true
	}
	return nil, false
}

func without(ps []Permission, drop func(Permission) bool) []Permission {
	return slices.DeleteFunc(ps, drop)
}

// OrgRoleName is the roles API's name of a token role (owner: org_owner);
// other names are returned unchanged.
func OrgRoleName(tokenRole string) string {
	switch tokenRole {
	case RoleOwner, RoleAdmin, RoleViewer, RoleMember:
		return "org_" + tokenRole
	}
	return tokenRole
}

// TokenRole is the token role of a built-in organization role name
// (org_owner: owner), or "" when name is none.
func TokenRole(name string) string {
	switch name {
	case RoleOrgOwner, RoleOrgAdmin, RoleOrgViewer, RoleOrgMember:
		return name[len("org_"):]
	}
	return ""
}

// Role is RolesRole: a built-in or custom role of a domain.
type Role struct {
	Metadata *RoleMetadata `json:"metadata"`
	Spec     *RoleSpec     `json:"spec"`
}

// RoleMetadata is RolesRoleMetadata. ID is our extension: a custom
// role's id ("" for a built-in one).
type RoleMetadata struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	DomainType string     `json:"domainType"`
	DomainID   string     `json:"domainId"`
	CreatedAt  *time.Time `json:"createdAt"`
	UpdatedAt  *time.Time `json:"updatedAt"`
	// Builtin is our extension: built-in roles cannot be changed or
	// deleted.
	Builtin bool `json:"builtin"`
}

// RoleSpec is RolesRoleSpec (inheritedRole is always null here: a custom
// role lists all its permissions).
type RoleSpec struct {
	DisplayName   string       `json:"displayName"`
	Description   string       `json:"description"`
	Permissions   []Permission `json:"permissions"`
	InheritedRole *Role        `json:"inheritedRole"`
}

// RoleRequest is RolesCreateRoleRequest and RolesUpdateRoleBody.
type RoleRequest struct {
	DomainType string `json:"domainType"`
	DomainID   string `json:"domainId"`
	Role       *Role  `json:"role"`
}

// RoleResponse answers a create, describe or update of a role.
type RoleResponse struct {
	Role *Role `json:"role"`
}

// ListRolesResponse is RolesListRolesResponse: built-in roles first.
type ListRolesResponse struct {
	Roles []Role `json:"roles"`
}

// UserRef names a user by id or email (RolesAssignRoleBody and the group
// membership bodies) in a domain.
type UserRef struct {
	DomainType string `json:"domainType"`
	DomainID   string `json:"domainId"`
	UserID     string `json:"userId"`
	UserEmail  string `json:"userEmail"`
}

// Group is GroupsGroup: users of the organization sharing one role on its
// domain.
type Group struct {
	Metadata *GroupMetadata `json:"metadata"`
	Spec     *GroupSpec     `json:"spec"`
	Status   *GroupStatus   `json:"status"`
}

// GroupMetadata is GroupsGroupMetadata. ID is our extension.
type GroupMetadata struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	DomainType string     `json:"domainType"`
	DomainID   string     `json:"domainId"`
	CreatedAt  *time.Time `json:"createdAt"`
	UpdatedAt  *time.Time `json:"updatedAt"`
}

// GroupSpec is GroupsGroupSpec.
type GroupSpec struct {
	Role        string `json:"role"`
	DisplayName string `json:"displayName"`
	Description string `json:"description"`
}

// GroupStatus is GroupsGroupStatus.
type GroupStatus struct {
	MembersCount int `json:"membersCount"`
}

// GroupRequest is GroupsCreateGroupRequest and GroupsUpdateGroupBody.
type GroupRequest struct {
	DomainType string `json:"domainType"`
	DomainID   string `json:"domainId"`
	Group      *Group `json:"group"`
}

// GroupResponse answers a create, describe or update of a group.
type GroupResponse struct {
	Group *Group `json:"group"`
}

// ListGroupsResponse is GroupsListGroupsResponse, ordered by name.
type ListGroupsResponse struct {
	Groups []Group `json:"groups"`
}

// ListGroupUsersResponse is GroupsListGroupUsersResponse.
type ListGroupUsersResponse struct {
	Users []User `json:"users"`
	Group *Group `json:"group"`
}

// User is SuperplaneUsersUser.
type User struct {
	Metadata *UserMetadata `json:"metadata"`
	Spec     *UserSpec     `json:"spec"`
	Status   *UserStatus   `json:"status"`
}

// UserMetadata is UsersUserMetadata.
type UserMetadata struct {
	ID        string     `json:"id"`
	Email     string     `json:"email"`
	CreatedAt *time.Time `json:"createdAt"`
	UpdatedAt *time.Time `json:"updatedAt"`
}

// UserSpec is UsersUserSpec (account providers are filled by sign-in).
type UserSpec struct {
	DisplayName      string `json:"displayName"`
	AccountProviders []any  `json:"accountProviders"`
}

// UserStatus is UsersUserStatus.
type UserStatus struct {
	RoleAssignments []RoleAssignment `json:"roleAssignments"`
}

// RoleAssignment is UsersUserRoleAssignment. GroupName is our extension:
// set when the user holds the role through that group.
type RoleAssignment struct {
	RoleName        string `json:"roleName"`
	RoleDisplayName string `json:"roleDisplayName"`
	RoleDescription string `json:"roleDescription"`
	DomainType      string `json:"domainType"`
	DomainID        string `json:"domainId"`
	GroupName       string `json:"groupName"`
}

// ListUsersResponse is UsersListUsersResponse, ordered by email.
type ListUsersResponse struct {
	Users []User `json:"users"`
}

// ListUserRolesResponse is UsersListUserRolesResponse.
type ListUserRolesResponse struct {
	UserID     string `json:"userId"`
	DomainType string `json:"domainType"`
	DomainID   string `json:"domainId"`
	Roles      []Role `json:"roles"`
}

// ListUserPermissionsResponse is UsersListUserPermissionsResponse.
type ListUserPermissionsResponse struct {
	UserID      string       `json:"userId"`
	DomainType  string       `json:"domainType"`
	DomainID    string       `json:"domainId"`
	Permissions []Permission `json:"permissions"`
}

// AddCanvasUserRequest is SuperplaneAddUserBody; Role (our extension)
// is the canvas role to give, canvas_viewer when empty, and UserEmail
// names a user by email instead of id.
type AddCanvasUserRequest struct {
	UserID    string `json:"userId"`
	UserEmail string `json:"userEmail"`
	Role      string `json:"role"`
}
