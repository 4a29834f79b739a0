package service

import (
	"context"
	"maps"
	"sort"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// permKey is one action on one resource, whatever the domain.
type permKey struct{ resource, action string }

// permSet is a set of actions on resources.
type permSet map[permKey]bool

func (s permSet) add(resource, action string) { s[permKey{resource, action}] = true }

func (s permSet) addAPI(ps []api.Permission) {
	for _, p := range ps {
		s.add(p.Resource, p.Action)
	}
}

// Access is what a caller may do: Org holds on the organization and every
// canvas (its organization role and organization-wide grants), Canvas on
// the one canvas it was computed for.
type Access struct {
	Org    permSet
	Canvas permSet
}

// Allows reports whether the caller may take action on resource.
func (a Access) Allows(resource, action string) bool {
	k := permKey{resource, action}
	return a.Org[k] || a.Canvas[k]
}

// SeesCanvas reports whether the canvas exists for the caller at all: it
// may read it, through the organization or a role on it. Otherwise the
// canvas is answered as missing (404), so that its name does not leak.
func (a Access) SeesCanvas() bool {
	return a.Allows(api.ResourceCanvas, api.ActionRead) || len(a.Canvas) > 0
}

// covers reports whether a holds every permission of ps.
func (a Access) covers(ps []permKey) (permKey, bool) {
	for _, k := range ps {
		if !a.Allows(k.resource, k.action) {
			return k, false
		}
	}
	return permKey{}, true
}

// roleSets are the permission sets of the built-in organization roles,
// built once: every request asks its role's (tokenAccess), and building
// the set each time was a tenth of a secret pair's CPU (issue 17). They
// are shared, so never changed: accessOf copies before adding grants.
var roleSets = func() map[string]permSet {
	m := map[string]permSet{}
	for _, role := range []string{api.RoleOrgOwner, api.RoleOwner, api.RoleOrgAdmin, api.RoleAdmin,
		api.RoleOrgViewer, api.RoleViewer, api.RoleOrgMember, api.RoleMember} {
		ps, _ := api.BuiltinPermissions(role)
		set := permSet{}
		set.addAPI(ps)
		m[role] = set
	}
	return m
}()

// emptySet is the shared empty permission set; never changed.
var emptySet = permSet{}

// tokenAccess is the access of an organization role alone. Its sets are
// shared: read them, never add to them.
func tokenAccess(role string) Access {
	if set, ok := roleSets[role]; ok {
		return Access{Org: set, Canvas: emptySet}
	}
	a := Access{Org: permSet{}, Canvas: emptySet}
	if ps, ok := api.BuiltinPermissions(role); ok {
		a.Org.addAPI(ps)
	}
	return a
}

// grantPermissions are the permissions a grant gives: its custom role's,
// or the built-in role's.
func grantPermissions(g store.Grant) []permKey {
	var out []permKey
	if g.Custom {
		for _, p := range g.Permissions {
			out = append(out, permKey{p.Resource, p.Action})
		}
		return out
	}
	ps, _ := api.BuiltinPermissions(g.Role)
	for _, p := range ps {
		out = append(out, permKey{p.Resource, p.Action})
	}
	return out
}

// accessOf is the access of a user with organization role orgRole and
// grants on canvas (an id or a name; "" for none): the most of all.
func accessOf(orgRole string, grants []store.Grant, canvas string) Access {
	a := tokenAccess(orgRole)
	// Copies of the role's shared sets, which the grants add to.
	a.Org, a.Canvas = maps.Clone(a.Org), permSet{}
	for _, g := range grants {
		target := a.Org
		if g.DomainType == store.DomainCanvas {
			if canvas == "" || (g.DomainID != canvas && g.CanvasName != canvas) {
				continue
			}
			target = a.Canvas
		}
		for _, k := range grantPermissions(g) {
			target[k] = true
		}
	}
	return a
}

// TokenAllows reports whether the caller's organization role alone allows
// action on resource, which the server checks before asking the database
// for anything more.
func TokenAllows(p store.Principal, resource, action string) bool {
	return tokenAccess(p.Role).Allows(resource, action)
}

// Authorizer decides what a caller may do from its token's organization
// role, its role bindings and its groups' roles.
type Authorizer struct {
	Store store.Store
}

// Access is the caller's access on canvas (id or name; "" for the
// organization alone): one statement, whatever the grants.
func (z *Authorizer) Access(ctx context.Context, p store.Principal, canvas string) (Access, error) {
	grants, err := z.Store.UserGrants(ctx, p.Organization.ID, p.User.ID)
	if err != nil {
		return Access{}, err
	}
	return accessOf(p.Role, grants, canvas), nil
}

// Authorize allows action on resource in canvas (id or name; "" for the
// organization) or refuses it: 404 naming the canvas when the caller may
// not even see it, 403 otherwise. The organization role decides without a
// statement when it allows; the grants are read only when it does not.
func (z *Authorizer) Authorize(ctx context.Context, p store.Principal, resource, action, canvas string) (Access, error) {
	if a := tokenAccess(p.Role); a.Allows(resource, action) {
		return a, nil
	}
	a, err := z.Access(ctx, p, canvas)
	if err != nil {
		return Access{}, err
	}
	if a.Allows(resource, action) {
		return a, nil
	}
	if canvas != "" && !a.SeesCanvas() {
		return Access{}, NotFound("canvas %q not found", canvas)
	}
	where := "the organization"
	if canvas != "" {
		where = "canvas " + canvas
	}
	return Access{}, denied("role %s may not %s %s on %s, and no canvas role or group of the caller allows it", api.OrgRoleName(p.Role), action, resource, where)
}

// VisibleCanvases filters cs to the canvases the caller may see: all of
// them when its organization roles read every canvas, else those it holds
// a role on.
func (z *Authorizer) VisibleCanvases(ctx context.Context, p store.Principal, cs []store.Canvas) ([]store.Canvas, error) {
	if TokenAllows(p, api.ResourceCanvas, api.ActionRead) {
		return cs, nil
	}
	grants, err := z.Store.UserGrants(ctx, p.Organization.ID, p.User.ID)
	if err != nil {
		return nil, err
	}
	if accessOf(p.Role, grants, "").Allows(api.ResourceCanvas, api.ActionRead) {
		return cs, nil
	}
	seen := map[string]bool{}
	for _, g := range grants {
		if g.DomainType == store.DomainCanvas {
			seen[g.DomainID] = true
		}
	}
	out := make([]store.Canvas, 0, len(seen))
	for _, c := range cs {
		if seen[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// permissionList is a permission set as the wire lists it, sorted.
func permissionList(a Access, domainType string) []api.Permission {
	all := map[permKey]bool{}
	for k := range a.Org {
		all[k] = true
	}
	for k := range a.Canvas {
		all[k] = true
	}
	out := make([]api.Permission, 0, len(all))
	for k := range all {
		out = append(out, api.Permission{Resource: k.resource, Action: k.action, DomainType: domainType})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Resource != out[j].Resource {
			return out[i].Resource < out[j].Resource
		}
		return out[i].Action < out[j].Action
	})
	return out
}
