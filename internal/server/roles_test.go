package server_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// addMember gives env a caller who of acme with organization role member
// (as `superplane-server token create --role member` does) and returns
// its user id.
func addMember(t *testing.T, e *env, who string) string {
	t.Helper()
	ctx := context.Background()
	org, err := e.store.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.store.EnsureUser(ctx, org.ID, who+"@example.com")
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
	return u.ID
}

func canvasQ(c string) string { return "?domainType=DOMAIN_TYPE_CANVAS&domainId=" + c }

// addCanvasMember gives user a canvas role on canvas as who.
func addCanvasMember(t *testing.T, e *env, who, canvas, user, role string) response {
	t.Helper()
	return e.do(who, "POST", "/api/v1/canvases/"+canvas+"/users", api.AddCanvasUserRequest{UserID: user, Role: role})
}

func canvasNames(t *testing.T, e *env, who string) []string {
	t.Helper()
	var list api.ListCanvasesResponse
	e.do(who, "GET", "/api/v1/canvases", nil).decode(t, &list)
	var out []string
	for _, c := range list.Canvases {
		out = append(out, c.Metadata.Name)
	}
	return out
}

// TestCanvasViewerSeesOnlyItsCanvas: a member who is canvas viewer of A
// lists only A, reads A's secrets (values redacted), cannot change or
// approve anything on A (403), and finds B missing (404, never 403, so
// B's name does not leak), nor the organization's secrets (403).
func TestCanvasViewerSeesOnlyItsCanvas(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	createCanvas(t, e, "b")
	for _, c := range []string{"a", "b"} {
		e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, c, "s", map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})
	}
	viewer := addMember(t, e, "ann")
	if got := canvasNames(t, e, "ann"); len(got) != 0 {
		t.Fatalf("a member with no canvas role lists %v", got)
	}
	expectError(t, e.do("ann", "GET", "/api/v1/canvases/a", nil), http.StatusNotFound, api.CodeNotFound, `canvas "a" not found`)
	addCanvasMember(t, e, "owner", "a", viewer, api.RoleCanvasViewer).decode(t, &api.Empty{})

	if got := canvasNames(t, e, "ann"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("canvas viewer of a lists %v", got)
	}
	var sec api.SecretResponse
	e.do("ann", "GET", "/api/v1/secrets/s"+canvasQ("a"), nil).decode(t, &sec)
	if sec.Secret.Spec.Local.Data["k"] != api.RedactedValue {
		t.Fatalf("canvas viewer reads a value: %+v", sec.Secret.Spec.Local.Data)
	}
	expectError(t, e.do("ann", "PATCH", "/api/v1/secrets/s"+canvasQ("a"), `{"secret":{"spec":{"local":{"data":{"k":"x"}}}}}`),
		http.StatusForbidden, api.CodePermissionDenied, "update secret")
	expectError(t, e.do("ann", "POST", "/api/v1/canvases/a/stages/x/events/y/approve", nil),
		http.StatusForbidden, api.CodePermissionDenied, "approve stageevent")
	for _, path := range []string{"/api/v1/canvases/b", "/api/v1/secrets/s" + canvasQ("b"), "/api/v1/canvases/b/stages", "/api/v1/canvases/b/users"} {
		r := e.do("ann", "GET", path, nil)
		expectError(t, r, http.StatusNotFound, api.CodeNotFound, `canvas "b" not found`)
	}
	// A v1 client names the canvas in ?name= with the nil UUID in the path.
	e.do("ann", "GET", "/api/v1/canvases/00000000-0000-0000-0000-000000000000?name=a", nil).decode(t, &api.CanvasResponse{})
	expectError(t, e.do("ann", "GET", "/api/v1/canvases/00000000-0000-0000-0000-000000000000?name=b", nil), http.StatusNotFound, api.CodeNotFound, `canvas "b" not found`)
	expectError(t, e.do("ann", "GET", "/api/v1/secrets?domainType=DOMAIN_TYPE_ORGANIZATION", nil), http.StatusForbidden, api.CodePermissionDenied, "read secret")
	// Its own roles it may always read.
	var roles api.ListUserRolesResponse
	e.do("ann", "GET", "/api/v1/users/"+viewer+"/roles"+canvasQ("a"), nil).decode(t, &roles)
	var names []string
	for _, r := range roles.Roles {
		names = append(names, r.Metadata.Name)
	}
	if !slices.Equal(names, []string{api.RoleOrgMember, api.RoleCanvasViewer}) {
		t.Fatalf("ann's roles on a: %v", names)
	}
}

// TestCanvasAdminManagesOnlyItsCanvas: a canvas admin of A creates and
// deletes A's secrets and adds viewers to A, but cannot touch B (404),
// the organization's secrets (403), delete A (403) or make anyone canvas
// owner of A (403: it does not hold canvas delete).
func TestCanvasAdminManagesOnlyItsCanvas(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	createCanvas(t, e, "b")
	admin := addMember(t, e, "bob")
	other := addMember(t, e, "cid")
	addCanvasMember(t, e, "owner", "a", admin, api.RoleCanvasAdmin).decode(t, &api.Empty{})

	e.do("bob", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "a", "s", map[string]string{"k": "v"})).decode(t, &api.SecretResponse{})
	e.do("bob", "DELETE", "/api/v1/secrets/s"+canvasQ("a"), nil).decode(t, &api.Empty{})
	expectError(t, e.do("bob", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "b", "s", map[string]string{"k": "v"})),
		http.StatusNotFound, api.CodeNotFound, `canvas "b" not found`)
	expectError(t, e.do("bob", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "s", map[string]string{"k": "v"})),
		http.StatusForbidden, api.CodePermissionDenied, "create secret")
	expectError(t, e.do("bob", "DELETE", "/api/v1/canvases/a", nil), http.StatusForbidden, api.CodePermissionDenied, "delete canvas")
	expectError(t, addCanvasMember(t, e, "bob", "a", other, api.RoleCanvasOwner), http.StatusForbidden, api.CodePermissionDenied, "grants more than they hold")
	addCanvasMember(t, e, "bob", "a", other, api.RoleCanvasViewer).decode(t, &api.Empty{})
	if got := canvasNames(t, e, "cid"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("the viewer bob added lists %v", got)
	}
	// Removing it takes A away at once.
	e.do("bob", "DELETE", "/api/v1/canvases/a/users/"+other, nil).decode(t, &api.Empty{})
	expectError(t, e.do("cid", "GET", "/api/v1/canvases/a", nil), http.StatusNotFound, api.CodeNotFound, "not found")
}

// TestGroupGrantsCanvasRole: a group on canvas A with role canvas_admin
// gives its members A's management while they are members, and only A.
func TestGroupGrantsCanvasRole(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	dev := addMember(t, e, "dev")
	body := `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"a","group":{"metadata":{"name":"ops"},"spec":{"role":"canvas_admin","displayName":"Ops"}}}`
	var g api.GroupResponse
	e.do("owner", "POST", "/api/v1/groups", body).decode(t, &g)
	if g.Group.Spec.Role != api.RoleCanvasAdmin || g.Group.Status.MembersCount != 0 {
		t.Fatalf("created group: %+v", g.Group)
	}
	sec := secretBody(api.DomainTypeCanvas, "a", "s", map[string]string{"k": "v"})
	expectError(t, e.do("dev", "POST", "/api/v1/secrets", sec), http.StatusNotFound, api.CodeNotFound, "not found")
	e.do("owner", "POST", "/api/v1/groups/ops/users", api.UserRef{DomainType: api.DomainTypeCanvas, DomainID: "a", UserID: dev}).decode(t, &api.Empty{})
	e.do("dev", "POST", "/api/v1/secrets", sec).decode(t, &api.SecretResponse{})

	var users api.ListUsersResponse
	e.do("owner", "GET", "/api/v1/canvases/a/users", nil).decode(t, &users)
	if len(users.Users) != 1 || users.Users[0].Metadata.ID != dev {
		t.Fatalf("canvas a's members: %+v", users.Users)
	}
	var groupAssignment bool
	for _, a := range users.Users[0].Status.RoleAssignments {
		groupAssignment = groupAssignment || (a.GroupName == "ops" && a.RoleName == api.RoleCanvasAdmin)
	}
	if !groupAssignment {
		t.Fatalf("dev's assignments do not name group ops: %+v", users.Users[0].Status.RoleAssignments)
	}
	e.do("owner", "PATCH", "/api/v1/groups/ops/users/remove", api.UserRef{DomainType: api.DomainTypeCanvas, DomainID: "a", UserID: dev}).decode(t, &api.Empty{})
	expectError(t, e.do("dev", "DELETE", "/api/v1/secrets/s"+canvasQ("a"), nil), http.StatusNotFound, api.CodeNotFound, "not found")
}

// TestCustomRoles: a custom role with one permission gives exactly it; it
// cannot be deleted while held (409 naming the holder); built-in roles
// cannot be changed or deleted; bad permissions are 400 naming the field;
// nobody creates a role with more than they hold.
func TestCustomRoles(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	e.do("owner", "POST", "/api/v1/canvases/a/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	e.do("owner", "POST", "/api/v1/canvases/a/stages", matrixStageBody("s1", 0)).decode(t, &api.StageResponse{})
	u := addMember(t, e, "ed")
	role := func(name string, perms ...string) string {
		var ps []string
		for _, p := range perms {
			res, act, _ := strings.Cut(p, ":")
			ps = append(ps, fmt.Sprintf(`{"resource":%q,"action":%q}`, res, act))
		}
		return fmt.Sprintf(`{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"a","role":{"metadata":{"name":%q},"spec":{"displayName":"R","permissions":[%s]}}}`,
			name, strings.Join(ps, ","))
	}
	var created api.RoleResponse
	e.do("owner", "POST", "/api/v1/roles", role("stage-reader", "stage:read")).decode(t, &created)
	if created.Role.Metadata.Builtin || len(created.Role.Spec.Permissions) != 1 || created.Role.Spec.Permissions[0].DomainType != api.DomainTypeCanvas {
		t.Fatalf("created role: %+v", created.Role)
	}
	expectError(t, e.do("owner", "POST", "/api/v1/roles", role("bad", "stage:read", "stage:fly")), http.StatusBadRequest, api.CodeInvalidArgument, "role.spec.permissions[1]")
	expectError(t, e.do("owner", "POST", "/api/v1/roles", role("canvas_x", "stage:read")), http.StatusBadRequest, api.CodeInvalidArgument, "role.metadata.name")
	expectError(t, e.do("owner", "POST", "/api/v1/roles", role("stage-reader", "stage:read")), http.StatusConflict, api.CodeAlreadyExists, "already exists")

	e.do("owner", "POST", "/api/v1/roles/stage-reader/users", api.UserRef{DomainType: api.DomainTypeCanvas, DomainID: "a", UserID: u}).decode(t, &api.Empty{})
	e.do("ed", "GET", "/api/v1/canvases/a/stages", nil).decode(t, &api.ListStagesResponse{})
	expectError(t, e.do("ed", "GET", "/api/v1/canvases/a/event-sources", nil), http.StatusForbidden, api.CodePermissionDenied, "read eventsource")
	var perms api.ListUserPermissionsResponse
	e.do("owner", "GET", "/api/v1/users/"+u+"/permissions"+canvasQ("a"), nil).decode(t, &perms)
	if len(perms.Permissions) != 1 || perms.Permissions[0].Resource != "stage" || perms.Permissions[0].Action != "read" {
		t.Fatalf("ed's permissions on a: %+v", perms.Permissions)
	}

	expectError(t, e.do("owner", "DELETE", "/api/v1/roles/stage-reader"+canvasQ("a"), nil), http.StatusConflict, api.CodeAlreadyExists, "ed@example.com")
	expectError(t, e.do("owner", "PUT", "/api/v1/roles/canvas_admin", role("canvas_admin")), http.StatusForbidden, api.CodePermissionDenied, "built in")
	expectError(t, e.do("owner", "DELETE", "/api/v1/roles/org_viewer", nil), http.StatusForbidden, api.CodePermissionDenied, "built in")

	// A canvas admin cannot create a role that deletes the canvas.
	addMember(t, e, "fay")
	var fay api.ListUsersResponse
	e.do("owner", "GET", "/api/v1/users", nil).decode(t, &fay)
	for _, x := range fay.Users {
		if x.Metadata.Email == "fay@example.com" {
			addCanvasMember(t, e, "owner", "a", x.Metadata.ID, api.RoleCanvasAdmin).decode(t, &api.Empty{})
		}
	}
	expectError(t, e.do("fay", "POST", "/api/v1/roles", role("wrecker", "canvas:delete")), http.StatusForbidden, api.CodePermissionDenied, "delete canvas")
	e.do("fay", "POST", "/api/v1/roles", role("approver", "stageevent:approve")).decode(t, &api.RoleResponse{})
}

// TestOrganizationRolesAssignment: an admin cannot make an owner (403);
// an owner can; the last owner cannot be demoted (409); assigning an
// organization role changes what the user's token may do at once.
func TestOrganizationRolesAssignment(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	m := addMember(t, e, "gus")
	expectError(t, e.do("gus", "GET", "/api/v1/canvases/a", nil), http.StatusNotFound, api.CodeNotFound, "not found")
	expectError(t, e.do("admin", "POST", "/api/v1/roles/org_owner/users", api.UserRef{UserID: m}), http.StatusForbidden, api.CodePermissionDenied, "update organization")
	e.do("admin", "POST", "/api/v1/roles/org_viewer/users", api.UserRef{UserID: m}).decode(t, &api.Empty{})
	e.do("gus", "GET", "/api/v1/canvases/a", nil).decode(t, &api.CanvasResponse{})

	var me api.Me
	e.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	expectError(t, e.do("owner", "POST", "/api/v1/roles/org_admin/users", api.UserRef{UserID: me.ID}), http.StatusConflict, api.CodeAlreadyExists, "last owner")
	e.do("owner", "POST", "/api/v1/roles/org_owner/users", api.UserRef{UserEmail: "gus@example.com"}).decode(t, &api.Empty{})
	expectError(t, e.do("admin", "POST", "/api/v1/roles/org_viewer/users", api.UserRef{UserID: m}), http.StatusForbidden, api.CodePermissionDenied, "owner")
	e.do("owner", "POST", "/api/v1/roles/org_admin/users", api.UserRef{UserID: me.ID}).decode(t, &api.Empty{})

	var users api.ListUsersResponse
	e.do("gus", "GET", "/api/v1/users", nil).decode(t, &users)
	got := map[string]string{}
	for _, u := range users.Users {
		for _, a := range u.Status.RoleAssignments {
			if a.DomainType == api.DomainTypeOrganization {
				got[u.Metadata.Email] = a.RoleName
			}
		}
	}
	if got["gus@example.com"] != api.RoleOrgOwner || got["owner@example.com"] != api.RoleOrgAdmin || got["viewer@example.com"] != api.RoleOrgViewer {
		t.Fatalf("organization roles: %v", got)
	}
}

// TestOrganizationScope: the organization's own objects (its secrets,
// integrations, roles, groups, users, service accounts, audit trail, new
// canvases) are organization-role business: a canvas admin and a member
// are refused (403) every one, an organization viewer reads all but the
// audit trail and changes nothing, an admin does all.
func TestOrganizationScope(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	canvasAdmin := addMember(t, e, "cadmin")
	addMember(t, e, "plain")
	addCanvasMember(t, e, "owner", "a", canvasAdmin, api.RoleCanvasAdmin).decode(t, &api.Empty{})
	org := "?domainType=DOMAIN_TYPE_ORGANIZATION"
	type call struct {
		method, path string
		body         func(n int) any
	}
	calls := []call{
		{"GET", "/api/v1/secrets" + org, nil},
		{"POST", "/api/v1/secrets", func(n int) any {
			return secretBody(api.DomainTypeOrganization, "", fmt.Sprintf("s%d", n), map[string]string{"k": "v"})
		}},
		{"GET", "/api/v1/integrations" + org, nil},
		{"GET", "/api/v1/roles" + org, nil},
		{"POST", "/api/v1/roles", func(n int) any {
			return fmt.Sprintf(`{"role":{"metadata":{"name":"r%d"},"spec":{"permissions":[{"resource":"secret","action":"read"}]}}}`, n)
		}},
		{"GET", "/api/v1/groups" + org, nil},
		{"POST", "/api/v1/groups", func(n int) any {
			return fmt.Sprintf(`{"group":{"metadata":{"name":"g%d"},"spec":{"role":"org_viewer"}}}`, n)
		}},
		{"GET", "/api/v1/users" + org, nil},
		{"POST", "/api/v1/roles/org_viewer/users", func(n int) any { return api.UserRef{UserEmail: fmt.Sprintf("new%d@example.com", n)} }},
		{"GET", "/api/v1/service-accounts", nil},
		{"GET", api.AuditEventsPath, nil},
		{"POST", "/api/v1/canvases", func(n int) any { return fmt.Sprintf(`{"canvas":{"metadata":{"name":"c%d"}}}`, n) }},
	}
	for i, c := range calls {
		for j, who := range []string{"cadmin", "plain", "viewer", "admin"} {
			var body any
			if c.body != nil {
				body = c.body(i*10 + j)
			}
			want := http.StatusForbidden
			switch {
			case who == "admin":
				want = http.StatusOK
			case who == "viewer" && c.method == "GET" && c.path != api.AuditEventsPath:
				want = http.StatusOK
			}
			if r := e.do(who, c.method, c.path, body); r.status != want {
				t.Errorf("%s %s as %s: %d %s; want %d", c.method, c.path, who, r.status, r.body, want)
			}
		}
	}
}

// TestCustomOrganizationRoleReadsTheAuditTrail: a member holding a custom
// organization role with auditevent read reads the audit trail, through the
// API and the console, as an admin does; without it, it is refused.
func TestCustomOrganizationRoleReadsTheAuditTrail(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "a")
	u := addMember(t, e, "aud")
	expectError(t, e.do("aud", "GET", api.AuditEventsPath, nil), http.StatusForbidden, api.CodePermissionDenied, "")
	e.do("owner", "POST", "/api/v1/roles", `{"role":{"metadata":{"name":"auditor"},"spec":{"displayName":"Auditor","permissions":[{"resource":"auditevent","action":"read"}]}}}`).decode(t, &api.RoleResponse{})
	e.do("owner", "POST", "/api/v1/roles/auditor/users", api.UserRef{UserID: u}).decode(t, &api.Empty{})
	var page api.ListAuditEventsResponse
	e.do("aud", "GET", api.AuditEventsPath, nil).decode(t, &page)
	found := false
	for _, ev := range page.AuditEvents {
		if ev.ObjectName == "a" && ev.Action == "create" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the auditor's page lacks the canvas's creation: %+v", page.AuditEvents)
	}
	c := consoleSignIn(t, e, "aud")
	if a := c.send("GET", "/audit", nil); a.status != http.StatusOK {
		t.Fatalf("the auditor's console audit page: %d %s", a.status, a.body)
	}
	// The navigation links it for the auditor, as it does for an admin,
	// and not for a member without the role.
	if home := c.send("GET", "/", nil); !strings.Contains(home.body, `id="nav-audit"`) {
		t.Errorf("the auditor's console home has no audit trail link")
	}
	addMember(t, e, "plain")
	if home := consoleSignIn(t, e, "plain").send("GET", "/", nil); home.status != http.StatusOK || strings.Contains(home.body, `id="nav-audit"`) {
		t.Errorf("a member without the role: %d, audit link shown %v", home.status, strings.Contains(home.body, `id="nav-audit"`))
	}
}
