package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/server"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func init() {
	for pattern, rt := range roleMatrixRoutes {
		matrixRoutes[pattern] = rt
	}
	// Assignments and memberships are recorded against the user they
	// give or take a role.
	user := func(f matrixFixture) string { return f.user }
	member := func(f matrixFixture) string { return f.member }
	auditWants["POST /api/v1/roles/{roleName}/users"] = auditWant{"create", "user", user}
	auditWants["POST /api/v1/groups/{groupName}/users"] = auditWant{"create", "user", user}
	auditWants["PATCH /api/v1/groups/{groupName}/users/remove"] = auditWant{"remove", "user", member}
	auditWants["POST /api/v1/canvases/{canvasIdOrName}/users"] = auditWant{"create", "user", user}
	auditWants["DELETE /api/v1/canvases/{canvasIdOrName}/users/{userId}"] = auditWant{"delete", "user", member}
	for name, v := range map[string]any{
		"Permission": api.Permission{}, "Role": api.Role{}, "RoleMetadata": api.RoleMetadata{}, "RoleSpec": api.RoleSpec{},
		"RoleRequest": api.RoleRequest{}, "RoleResponse": api.RoleResponse{}, "ListRolesResponse": api.ListRolesResponse{},
		"UserRef": api.UserRef{}, "Group": api.Group{}, "GroupMetadata": api.GroupMetadata{}, "GroupSpec": api.GroupSpec{},
		"GroupStatus": api.GroupStatus{}, "GroupRequest": api.GroupRequest{}, "GroupResponse": api.GroupResponse{},
		"ListGroupsResponse": api.ListGroupsResponse{}, "ListGroupUsersResponse": api.ListGroupUsersResponse{},
		"User": api.User{}, "UserMetadata": api.UserMetadata{}, "UserSpec": api.UserSpec{}, "UserStatus": api.UserStatus{},
		"RoleAssignment": api.RoleAssignment{}, "ListUsersResponse": api.ListUsersResponse{},
		"ListUserRolesResponse": api.ListUserRolesResponse{}, "ListUserPermissionsResponse": api.ListUserPermissionsResponse{},
		"AddCanvasUserRequest": api.AddCanvasUserRequest{},
	} {
		wireSchemas[name] = v
	}
}

// roleMatrixRoutes are the matrix's rows for roles, groups, users and
// canvas members, all on the fixture's canvas (so another organization
// gets 404 from every one).
var roleMatrixRoutes = map[string]matrixRoute{
	"GET /api/v1/roles": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/roles" + f.q() }},
	"POST /api/v1/roles": {scoped: true, path: func(matrixFixture) string { return "/api/v1/roles" },
		body: func(f matrixFixture, n int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"role":{"metadata":{"name":"new-%d"},"spec":{"permissions":[{"resource":"stage","action":"read"}]}}}`, f.canvas, n)
		}},
	"GET /api/v1/roles/{roleName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/roles/auditor" + f.q() }},
	"PUT /api/v1/roles/{roleName}": {scoped: true, path: func(matrixFixture) string { return "/api/v1/roles/auditor" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"role":{"spec":{"description":"changed","permissions":[{"resource":"event","action":"read"}]}}}`, f.canvas)
		}},
	"DELETE /api/v1/roles/{roleName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/roles/auditor" + f.q() }},
	"POST /api/v1/roles/{roleName}/users": {scoped: true, path: func(matrixFixture) string { return "/api/v1/roles/canvas_viewer/users" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"userId":%q}`, f.canvas, f.user)
		}},

	"GET /api/v1/groups": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/groups" + f.q() }},
	"POST /api/v1/groups": {scoped: true, path: func(matrixFixture) string { return "/api/v1/groups" },
		body: func(f matrixFixture, n int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"group":{"metadata":{"name":"new-%d"},"spec":{"role":"canvas_viewer"}}}`, f.canvas, n)
		}},
	"GET /api/v1/groups/{groupName}": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/groups/team" + f.q() }},
	"PUT /api/v1/groups/{groupName}": {scoped: true, path: func(matrixFixture) string { return "/api/v1/groups/team" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"group":{"spec":{"role":"canvas_viewer","description":"changed"}}}`, f.canvas)
		}},
	"DELETE /api/v1/groups/{groupName}":    {scoped: true, path: func(f matrixFixture) string { return "/api/v1/groups/team" + f.q() }},
	"GET /api/v1/groups/{groupName}/users": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/groups/team/users" + f.q() }},
	"POST /api/v1/groups/{groupName}/users": {scoped: true, path: func(matrixFixture) string { return "/api/v1/groups/team/users" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"userId":%q}`, f.canvas, f.user)
		}},
	"PATCH /api/v1/groups/{groupName}/users/remove": {scoped: true, path: func(matrixFixture) string { return "/api/v1/groups/team/users/remove" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":%q,"userId":%q}`, f.canvas, f.member)
		}},

	"GET /api/v1/users": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/users" + f.q() }},
	"GET /api/v1/users/{userId}/roles": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/users/" + f.member + "/roles" + f.q()
	}},
	"GET /api/v1/users/{userId}/permissions": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/users/" + f.member + "/permissions" + f.q()
	}},
	"GET /api/v1/canvases/{canvasIdOrName}/users": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/users" }},
	"POST /api/v1/canvases/{canvasIdOrName}/users": {scoped: true, path: func(f matrixFixture) string { return "/api/v1/canvases/" + f.canvas + "/users" },
		body: func(f matrixFixture, _ int) string {
			return fmt.Sprintf(`{"userId":%q,"role":"canvas_viewer"}`, f.user)
		}},
	"DELETE /api/v1/canvases/{canvasIdOrName}/users/{userId}": {scoped: true, path: func(f matrixFixture) string {
		return "/api/v1/canvases/" + f.canvas + "/users/" + f.member
	}},
}

// roleCallers are the members of acme (organization role member) whose
// access comes from roles on each fixture's canvas: none (member), the
// canvas viewer, the canvas admin, the canvas admin through group ops,
// and a custom role with one permission (stage read).
var roleCallers = []string{"member", "canvasViewer", "canvasAdmin", "groupAdmin", "custom"}

// addRoleCallerTokens gives each role caller a token (organization role
// member), once per env, before the matrix's subtests run in parallel.
func addRoleCallerTokens(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	org, err := e.store.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range roleCallers {
		u, err := e.store.EnsureUser(ctx, org.ID, strings.ToLower(who)+"@example.com")
		if err != nil {
			t.Fatal(err)
		}
		tok, hash, err := service.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.CreateToken(ctx, store.Token{Hash: hash, UserID: u.ID, OrgID: org.ID, Role: api.RoleMember}); err != nil {
			t.Fatal(err)
		}
		e.tokens[who] = tok
	}
}

// addMatrixRoles gives a fixture's canvas: a custom role auditor nobody
// holds, a group team (canvas_viewer) with member f.member (who is also a
// canvas viewer directly), a user f.user with no role, and the role
// callers' roles on it.
func addMatrixRoles(t *testing.T, e *env, f *matrixFixture, name string) {
	t.Helper()
	ctx := context.Background()
	org, err := e.store.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	user := func(email string) store.User {
		u, err := e.store.EnsureUser(ctx, org.ID, email)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	role := func(roleName string, perms ...store.RolePermission) {
		if _, err := e.store.CreateCustomRole(ctx, store.CustomRole{ID: uuid.NewString(), OrgID: org.ID, DomainType: store.DomainCanvas,
			DomainID: f.canvas, Name: roleName, Permissions: perms, CreatedAt: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	bind := func(u store.User, roleName string) {
		if err := e.store.SetRoleBinding(ctx, store.RoleBinding{OrgID: org.ID, UserID: u.ID, DomainType: store.DomainCanvas,
			DomainID: f.canvas, Role: roleName, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	group := func(groupName, roleName string, members ...store.User) {
		g, err := e.store.CreateUserGroup(ctx, store.UserGroup{ID: uuid.NewString(), OrgID: org.ID, DomainType: store.DomainCanvas,
			DomainID: f.canvas, Name: groupName, Role: roleName, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range members {
			if err := e.store.AddUserGroupMember(ctx, org.ID, g.ID, m.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	role("auditor", store.RolePermission{Resource: api.ResourceEvent, Action: api.ActionRead})
	role("stage-reader", store.RolePermission{Resource: api.ResourceStage, Action: api.ActionRead})
	member := user("member-" + name + "@example.com")
	f.member, f.user = member.ID, user("user-"+name+"@example.com").ID
	bind(member, api.RoleCanvasViewer)
	group("team", api.RoleCanvasViewer, member)
	group("ops", api.RoleCanvasAdmin, user("groupadmin@example.com"))
	bind(user("canvasviewer@example.com"), api.RoleCanvasViewer)
	bind(user("canvasadmin@example.com"), api.RoleCanvasAdmin)
	bind(user("custom@example.com"), "stage-reader")
	user("member@example.com")
}

// roleFixturePaths are the reads that show a fixture's roles, groups and
// members, for the matrix's snapshots.
func roleFixturePaths(f matrixFixture) []string {
	return []string{"/api/v1/roles" + f.q(), "/api/v1/groups" + f.q(), "/api/v1/groups/team/users" + f.q(),
		"/api/v1/canvases/" + f.canvas + "/users"}
}

// orgOnlyRoute reports whether a route acts on the organization, not on a
// canvas: canvas roles give nothing there.
func orgOnlyRoute(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return strings.HasPrefix(path, "/api/v1/service-accounts") || strings.HasPrefix(path, "/api/v1/auth-providers") ||
		path == api.AuditEventsPath || pattern == "POST /api/v1/canvases" || path == api.UserSessionsPath
}

// roleCallerWant is what a role caller gets from a route on its canvas:
// a member without a role there 404 (the canvas does not exist for it) and
// 403 on the organization's routes; a canvas viewer reads; a canvas admin
// (directly or through a group) does everything but delete the canvas;
// the custom role reads stages only. Everyone reads its own /me, the
// canvas list (filtered) and replaces its own token.
func roleCallerWant(who, pattern string, rt matrixRoute) (int, int) {
	method, _, _ := strings.Cut(pattern, " ")
	switch {
	case rt.self || pattern == "GET /api/v1/me" || pattern == "GET /api/v1/canvases":
		return http.StatusOK, 0
	case orgOnlyRoute(pattern):
		return http.StatusForbidden, api.CodePermissionDenied
	case who == "member":
		return http.StatusNotFound, api.CodeNotFound
	case who == "canvasViewer" && method == http.MethodGet:
		return http.StatusOK, 0
	case (who == "canvasAdmin" || who == "groupAdmin") && pattern != "DELETE /api/v1/canvases/{idOrName}":
		return http.StatusOK, 0
	case who == "custom" && (pattern == "GET /api/v1/canvases/{canvasIdOrName}/stages" || pattern == "GET /api/v1/canvases/{canvasIdOrName}/stages/{idOrName}"):
		return http.StatusOK, 0
	}
	return http.StatusForbidden, api.CodePermissionDenied
}

// matrixCallers is the order the matrix calls a route in: the refused
// first (their calls must change nothing), then the one whose call
// succeeds on a write route (admin, or on a canvas's routes in turn a
// canvas admin or a group's canvas admin, so each proves it may), or for a
// read every caller.
func matrixCallers(pattern string, rt matrixRoute, i int, write bool) (callers []string, winner string) {
	callers = []string{"", "spt_not-a-real-token", "Basic ", "viewer", "other"}
	winner = "admin"
	for _, who := range roleCallers {
		status, _ := roleCallerWant(who, pattern, rt)
		if write && status == http.StatusOK && !rt.self {
			continue
		}
		callers = append(callers, who)
	}
	if write && !rt.self {
		if status, _ := roleCallerWant("canvasAdmin", pattern, rt); status == http.StatusOK {
			winner = []string{"admin", "canvasAdmin", "groupAdmin"}[i%3]
		}
	}
	return append(callers, winner), winner
}

// TestEveryRouteHasAPermission: every authenticated route has a row in
// the server's permission table; one without keeps the rule from before
// roles, which no canvas role can pass.
func TestEveryRouteHasAPermission(t *testing.T) {
	e := newEnv(t)
	for _, pattern := range e.server.Routes() {
		if !server.RouteHasPermission(pattern) {
			t.Errorf("route %q has no row in the permission table (server/authz.go)", pattern)
		}
	}
}
