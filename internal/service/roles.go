package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Roles holds the rules of roles, role assignments, groups of users and
// canvas membership. Nobody grants more than they hold: every role given
// (to a user, a group, or as a custom role's permissions) must be covered
// by the caller's own access on that domain (403 otherwise). Built-in roles
// cannot be changed or deleted; a custom role in use cannot be deleted
// (409 naming who holds it); the organization keeps an owner.
type Roles struct {
	Store store.Store
	Authz *Authorizer
	Now   func() time.Time
}

// Domain is where a role, group or assignment applies: the organization
// (ID is its id) or one canvas (ID is its id).
type Domain struct {
	Type string
	ID   string
}

// canvas is the canvas argument of Authorizer.Access for d.
func (d Domain) canvas() string {
	if d.Type == store.DomainCanvas {
		return d.ID
	}
	return ""
}

// ResolveDomain validates a request's domainType and domainId: the
// organization when the type is empty, unspecified or the organization's
// (domainId then empty or the organization's id); a canvas of the
// organization by id or name otherwise (404 when missing).
func (r *Roles) ResolveDomain(ctx context.Context, p store.Principal, domainType, domainID string) (Domain, error) {
	switch domainType {
	case "", api.DomainTypeUnspecified, api.DomainTypeOrganization:
		if domainID != "" && domainID != p.Organization.ID && domainID != p.Organization.Name {
			return Domain{}, Invalid("domainId %q is not this organization's id", domainID)
		}
		return Domain{Type: store.DomainOrganization, ID: p.Organization.ID}, nil
	case api.DomainTypeCanvas:
		if domainID == "" {
			return Domain{}, Invalid("domainId is required with domainType %s", api.DomainTypeCanvas)
		}
		c, err := r.Store.FindCanvas(ctx, p.Organization.ID, domainID)
		if err != nil {
			return Domain{}, err
		}
		return Domain{Type: store.DomainCanvas, ID: c.ID}, nil
	}
	return Domain{}, Invalid("domainType %q is not one of %s, %s", domainType, api.DomainTypeOrganization, api.DomainTypeCanvas)
}

// builtinNames are the built-in roles of a domain type, most powerful
// first.
func builtinNames(domainType string) []string {
	if domainType == store.DomainCanvas {
		return []string{api.RoleCanvasOwner, api.RoleCanvasAdmin, api.RoleCanvasViewer}
	}
	return []string{api.RoleOrgOwner, api.RoleOrgAdmin, api.RoleOrgViewer, api.RoleOrgMember}
}

func isBuiltin(name string) bool {
	_, ok := api.BuiltinPermissions(name)
	return ok && (strings.HasPrefix(name, "org_") || strings.HasPrefix(name, "canvas_"))
}

var builtinDescriptions = map[string]string{
	api.RoleOrgOwner:     "Everything in the organization, including making owners.",
	api.RoleOrgAdmin:     "Manages every canvas and the organization's secrets, integrations, users and service accounts; cannot make owners.",
	api.RoleOrgViewer:    "Reads every canvas and the organization's objects (not the audit trail).",
	api.RoleOrgMember:    "Nothing by itself: canvas roles and groups say what the member may do.",
	api.RoleCanvasOwner:  "Everything on the canvas, including deleting it.",
	api.RoleCanvasAdmin:  "Manages the canvas's secrets, integrations, sources, stages, groups and members; cannot delete it.",
	api.RoleCanvasViewer: "Reads the canvas; cannot change or approve anything.",
}

// builtinRole is a built-in role in d's shape.
func builtinRole(d Domain, name string) api.Role {
	ps, _ := api.BuiltinPermissions(name)
	for i := range ps {
		ps[i].DomainType = d.Type
	}
	title := strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(name, "org_"), "canvas_"), "_", " ")
	prefix := "Organization "
	if d.Type == store.DomainCanvas {
		prefix = "Canvas "
	}
	return api.Role{
		Metadata: &api.RoleMetadata{Name: name, DomainType: d.Type, DomainID: d.ID, Builtin: true},
		Spec:     &api.RoleSpec{DisplayName: prefix + title, Description: builtinDescriptions[name], Permissions: ps},
	}
}

// customRoleToAPI is a custom role in the wire's shape.
func customRoleToAPI(c store.CustomRole) api.Role {
	created, updated := c.CreatedAt, c.UpdatedAt
	ps := make([]api.Permission, 0, len(c.Permissions))
	for _, p := range c.Permissions {
		ps = append(ps, api.Permission{Resource: p.Resource, Action: p.Action, DomainType: c.DomainType})
	}
	return api.Role{
		Metadata: &api.RoleMetadata{ID: c.ID, Name: c.Name, DomainType: c.DomainType, DomainID: c.DomainID, CreatedAt: &created, UpdatedAt: &updated},
		Spec:     &api.RoleSpec{DisplayName: c.DisplayName, Description: c.Description, Permissions: ps},
	}
}

// findRole returns the role called name in d (built-in or custom) and
// its permissions.
func (r *Roles) findRole(ctx context.Context, p store.Principal, d Domain, name string) (api.Role, []permKey, error) {
	for _, b := range builtinNames(d.Type) {
		if b == name {
			role := builtinRole(d, name)
			return role, keysOf(role.Spec.Permissions), nil
		}
	}
	c, err := r.Store.FindCustomRole(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return api.Role{}, nil, err
	}
	role := customRoleToAPI(c)
	return role, keysOf(role.Spec.Permissions), nil
}

func keysOf(ps []api.Permission) []permKey {
	out := make([]permKey, 0, len(ps))
	for _, p := range ps {
		out = append(out, permKey{p.Resource, p.Action})
	}
	return out
}

// mayGrant refuses (403) giving anyone perms on d unless the caller holds
// them all there.
func (r *Roles) mayGrant(ctx context.Context, p store.Principal, d Domain, what string, perms []permKey) error {
	if p.Role == api.RoleOwner {
		return nil
	}
	a, err := r.Authz.Access(ctx, p, d.canvas())
	if err != nil {
		return err
	}
	if k, ok := a.covers(perms); !ok {
		return denied("%s needs %s %s, which the caller does not hold: nobody grants more than they hold", what, k.action, k.resource)
	}
	return nil
}

// ListRoles returns d's built-in roles, then its custom roles by name.
func (r *Roles) ListRoles(ctx context.Context, p store.Principal, d Domain) ([]api.Role, error) {
	out := []api.Role{}
	for _, name := range builtinNames(d.Type) {
		out = append(out, builtinRole(d, name))
	}
	custom, err := r.Store.ListCustomRoles(ctx, p.Organization.ID, d.Type, d.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range custom {
		out = append(out, customRoleToAPI(c))
	}
	return out, nil
}

// DescribeRole returns d's role called name.
func (r *Roles) DescribeRole(ctx context.Context, p store.Principal, d Domain, name string) (api.Role, error) {
	role, _, err := r.findRole(ctx, p, d, name)
	return role, err
}

// validPermissions checks a custom role's permissions against the
// catalogue of its domain and returns them for the store.
func validPermissions(d Domain, ps []api.Permission) ([]store.RolePermission, error) {
	catalogue := api.CanvasPermissions()
	if d.Type == store.DomainOrganization {
		catalogue = api.OrganizationPermissions()
	}
	known := map[permKey]bool{}
	for _, c := range catalogue {
		known[permKey{c.Resource, c.Action}] = true
	}
	seen := map[permKey]bool{}
	out := make([]store.RolePermission, 0, len(ps))
	for i, p := range ps {
		field := fmt.Sprintf("role.spec.permissions[%d]", i)
		if p.DomainType != "" && p.DomainType != api.DomainTypeUnspecified && p.DomainType != d.Type {
			return nil, Invalid("%s.domainType %q is not the role's domain %s", field, p.DomainType, d.Type)
		}
		k := permKey{p.Resource, p.Action}
		if !known[k] {
			return nil, Invalid("%s: %s %s is not a permission of the %s domain (GET /api/v1/roles lists the built-in roles' permissions)",
				field, p.Action, p.Resource, strings.ToLower(strings.TrimPrefix(d.Type, "DOMAIN_TYPE_")))
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, store.RolePermission{Resource: p.Resource, Action: p.Action})
	}
	return out, nil
}

func rolePermKeys(ps []store.RolePermission) []permKey {
	out := make([]permKey, 0, len(ps))
	for _, p := range ps {
		out = append(out, permKey{p.Resource, p.Action})
	}
	return out
}

// CreateRole creates a custom role in d.
func (r *Roles) CreateRole(ctx context.Context, p store.Principal, d Domain, req api.RoleRequest) (api.Role, error) {
	if req.Role == nil || req.Role.Metadata == nil {
		return api.Role{}, Invalid("role.metadata.name is required")
	}
	name := req.Role.Metadata.Name
	if err := ValidateName("role.metadata.name", name); err != nil {
		return api.Role{}, err
	}
	if strings.HasPrefix(name, "org_") || strings.HasPrefix(name, "canvas_") {
		return api.Role{}, Invalid("role.metadata.name %q: the org_ and canvas_ prefixes are the built-in roles'", name)
	}
	spec := req.Role.Spec
	if spec == nil {
		spec = &api.RoleSpec{}
	}
	if len(spec.Description) > MaxDescriptionLen {
		return api.Role{}, Invalid("role.spec.description must be at most %d characters", MaxDescriptionLen)
	}
	perms, err := validPermissions(d, spec.Permissions)
	if err != nil {
		return api.Role{}, err
	}
	if err := r.mayGrant(ctx, p, d, fmt.Sprintf("role %q", name), rolePermKeys(perms)); err != nil {
		return api.Role{}, err
	}
	now := Timestamp(r.Now)
	c, err := r.Store.CreateCustomRole(ctx, store.CustomRole{ID: uuid.NewString(), OrgID: p.Organization.ID, DomainType: d.Type, DomainID: d.ID,
		Name: name, DisplayName: spec.DisplayName, Description: spec.Description, Permissions: perms, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return api.Role{}, err
	}
	return customRoleToAPI(c), nil
}

// UpdateRole replaces a custom role's display name, description and
// permissions; its holders have the new permissions from the next request.
func (r *Roles) UpdateRole(ctx context.Context, p store.Principal, d Domain, name string, req api.RoleRequest) (api.Role, error) {
	if isBuiltin(name) {
		return api.Role{}, denied("role %q is built in: it cannot be changed", name)
	}
	old, err := r.Store.FindCustomRole(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return api.Role{}, err
	}
	if req.Role != nil && req.Role.Metadata != nil && req.Role.Metadata.Name != "" && req.Role.Metadata.Name != name {
		return api.Role{}, Invalid("role.metadata.name %q: a role cannot be renamed (its holders name it)", req.Role.Metadata.Name)
	}
	spec := &api.RoleSpec{}
	if req.Role != nil && req.Role.Spec != nil {
		spec = req.Role.Spec
	}
	if len(spec.Description) > MaxDescriptionLen {
		return api.Role{}, Invalid("role.spec.description must be at most %d characters", MaxDescriptionLen)
	}
	perms, err := validPermissions(d, spec.Permissions)
	if err != nil {
		return api.Role{}, err
	}
	// Changing a role changes what its holders may do: the caller must
	// hold what it had (taking away) and what it will have (giving).
	if err := r.mayGrant(ctx, p, d, fmt.Sprintf("role %q", name), append(rolePermKeys(perms), rolePermKeys(old.Permissions)...)); err != nil {
		return api.Role{}, err
	}
	old.DisplayName, old.Description, old.Permissions, old.UpdatedAt = spec.DisplayName, spec.Description, perms, Timestamp(r.Now)
	c, err := r.Store.UpdateCustomRole(ctx, old)
	if err != nil {
		return api.Role{}, err
	}
	return customRoleToAPI(c), nil
}

// DeleteRole deletes a custom role nobody holds.
func (r *Roles) DeleteRole(ctx context.Context, p store.Principal, d Domain, name string) error {
	if isBuiltin(name) {
		return denied("role %q is built in: it cannot be deleted", name)
	}
	old, err := r.Store.FindCustomRole(ctx, p.Organization.ID, d.Type, d.ID, name)
	if err != nil {
		return err
	}
	if err := r.mayGrant(ctx, p, d, fmt.Sprintf("role %q", name), rolePermKeys(old.Permissions)); err != nil {
		return err
	}
	err = r.Store.DeleteCustomRole(ctx, p.Organization.ID, d.Type, d.ID, name)
	if errors.Is(err, store.ErrConflict) {
		return inUse("%s", err.Error())
	}
	return err
}

// findUser resolves a request's user: by id, or by email (created then,
// so that a person can be given roles before signing in for the first
// time; sign-in matches them by email).
func (r *Roles) findUser(ctx context.Context, p store.Principal, id, email string) (store.User, error) {
	switch {
	case id != "":
		return r.Store.FindUser(ctx, p.Organization.ID, id)
	case email != "":
		if !strings.Contains(email, "@") || len(email) > 254 || strings.ContainsAny(email, " \t\r\n") {
			return store.User{}, Invalid("userEmail %q is not an email address", email)
		}
		return r.Store.EnsureUser(ctx, p.Organization.ID, email)
	}
	return store.User{}, Invalid("userId or userEmail is required")
}

// heldOrgRole is the user's organization role as its tokens carry it
// ("" when it has none).
func (r *Roles) heldOrgRole(ctx context.Context, p store.Principal, userID string) (string, []store.Grant, error) {
	users, err := r.Store.ListUserRoles(ctx, p.Organization.ID)
	if err != nil {
		return "", nil, err
	}
	for _, u := range users {
		if u.User.ID == userID {
			return u.OrgRole, u.Grants, nil
		}
	}
	return "", nil, NotFound("user %q not found", userID)
}

// AssignRole gives the user the role called name on d: an organization
// role changes the role of the user's tokens; any other is a binding,
// replacing the user's role there.
func (r *Roles) AssignRole(ctx context.Context, p store.Principal, d Domain, name string, ref api.UserRef) error {
	_, perms, err := r.findRole(ctx, p, d, name)
	if err != nil {
		return err
	}
	u, err := r.findUser(ctx, p, ref.UserID, ref.UserEmail)
	if err != nil {
		return err
	}
	if err := r.mayGrant(ctx, p, d, fmt.Sprintf("role %q", name), perms); err != nil {
		return err
	}
	if tokenRole := api.TokenRole(name); tokenRole != "" {
		held, _, err := r.heldOrgRole(ctx, p, u.ID)
		if err != nil {
			return err
		}
		if held == api.RoleOwner && !TokenAllows(p, api.ResourceOrganization, api.ActionUpdate) {
			return denied("user %q is an owner: only an owner changes an owner's role", u.Email)
		}
		err = r.Store.SetOrganizationRole(ctx, p.Organization.ID, u.ID, tokenRole)
		if errors.Is(err, store.ErrConflict) {
			return inUse("%s", err.Error())
		}
		return err
	}
	return r.Store.SetRoleBinding(ctx, store.RoleBinding{OrgID: p.Organization.ID, UserID: u.ID, DomainType: d.Type, DomainID: d.ID,
		Role: name, CreatedAt: Timestamp(r.Now)})
}

// RemoveCanvasUser takes the user's direct role on canvas d away (roles
// through groups stay: they are the group's business). The caller must
// hold what the user held there.
func (r *Roles) RemoveCanvasUser(ctx context.Context, p store.Principal, d Domain, userID string) error {
	u, err := r.Store.FindUser(ctx, p.Organization.ID, userID)
	if err != nil {
		return err
	}
	_, grants, err := r.heldOrgRole(ctx, p, u.ID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if g.Group == "" && g.DomainType == d.Type && g.DomainID == d.ID {
			if err := r.mayGrant(ctx, p, d, fmt.Sprintf("removing role %q", g.Role), grantPermissions(g)); err != nil {
				return err
			}
		}
	}
	return r.Store.DeleteRoleBinding(ctx, p.Organization.ID, u.ID, d.Type, d.ID)
}
