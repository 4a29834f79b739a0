package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func mustToken(t *testing.T, s store.Store, u store.User, role string) {
	t.Helper()
	if err := s.CreateToken(t.Context(), store.Token{Hash: []byte(uuid.NewString()), UserID: u.ID, OrgID: u.OrgID, Role: role}); err != nil {
		t.Fatalf("CreateToken(%s, %s): %v", u.Email, role, err)
	}
}

// testRoles: custom roles per domain with their permissions, bindings and
// groups adding up to a user's grants, a role in use refusing deletion
// (naming who holds it), a canvas taking its bindings with it, and the
// last owner kept.
func testRoles(t *testing.T, s store.Store) {
	ctx := t.Context()
	acme := mustOrg(t, s, "acme")
	globex := mustOrg(t, s, "globex")
	a := mustCanvas(t, s, acme.ID, "a")
	b := mustCanvas(t, s, acme.ID, "b")
	ann := mustUser(t, s, acme.ID, "ann@example.com")
	bob := mustUser(t, s, acme.ID, "bob@example.com")
	mustToken(t, s, ann, "owner")
	mustToken(t, s, bob, "member")

	ts := now()
	deployer, err := s.CreateCustomRole(ctx, store.CustomRole{ID: uuid.NewString(), OrgID: acme.ID, DomainType: store.DomainCanvas,
		DomainID: a.ID, Name: "deployer", DisplayName: "Deployer", Permissions: []store.RolePermission{{Resource: "stageevent", Action: "approve"}},
		CreatedAt: ts, UpdatedAt: ts})
	if err != nil || len(deployer.Permissions) != 1 || deployer.Permissions[0].Action != "approve" || deployer.DomainID != a.ID {
		t.Fatalf("CreateCustomRole: %+v %v", deployer, err)
	}
	if _, err := s.CreateCustomRole(ctx, store.CustomRole{ID: uuid.NewString(), OrgID: acme.ID, DomainType: store.DomainCanvas,
		DomainID: a.ID, Name: "deployer", CreatedAt: ts, UpdatedAt: ts}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second deployer on a: %v, want ErrConflict", err)
	}
	// The same name on another canvas is another role.
	if _, err := s.CreateCustomRole(ctx, store.CustomRole{ID: uuid.NewString(), OrgID: acme.ID, DomainType: store.DomainCanvas,
		DomainID: b.ID, Name: "deployer", CreatedAt: ts, UpdatedAt: ts}); err != nil {
		t.Fatalf("deployer on b: %v", err)
	}
	if _, err := s.FindCustomRole(ctx, globex.ID, store.DomainCanvas, a.ID, "deployer"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("globex finds acme's role: %v", err)
	}
	deployer.Permissions = append(deployer.Permissions, store.RolePermission{Resource: "stage", Action: "read"})
	deployer.Description = "ships"
	if got, err := s.UpdateCustomRole(ctx, deployer); err != nil || len(got.Permissions) != 2 || got.Description != "ships" {
		t.Fatalf("UpdateCustomRole: %+v %v", got, err)
	}
	if list, err := s.ListCustomRoles(ctx, acme.ID, store.DomainCanvas, a.ID); err != nil || len(list) != 1 {
		t.Fatalf("ListCustomRoles(a): %+v %v", list, err)
	}

	// Bob: deployer on a directly, canvas_admin on b through a group.
	if err := s.SetRoleBinding(ctx, store.RoleBinding{OrgID: acme.ID, UserID: bob.ID, DomainType: store.DomainCanvas, DomainID: a.ID, Role: "deployer", CreatedAt: ts}); err != nil {
		t.Fatal(err)
	}
	ops, err := s.CreateUserGroup(ctx, store.UserGroup{ID: uuid.NewString(), OrgID: acme.ID, DomainType: store.DomainCanvas, DomainID: b.ID,
		Name: "ops", Role: "canvas_admin", CreatedAt: ts, UpdatedAt: ts})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserGroupMember(ctx, acme.ID, ops.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUserGroupMember(ctx, acme.ID, ops.ID, bob.ID); err != nil {
		t.Fatalf("adding a member again: %v", err)
	}
	globexUser := mustUser(t, s, globex.ID, "eve@example.com")
	if err := s.AddUserGroupMember(ctx, acme.ID, ops.ID, globexUser.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("globex's user joins acme's group: %v", err)
	}
	if g, err := s.FindUserGroup(ctx, acme.ID, store.DomainCanvas, b.ID, "ops"); err != nil || g.MembersCount != 1 {
		t.Fatalf("FindUserGroup: %+v %v", g, err)
	}
	grants, err := s.UserGrants(ctx, acme.ID, bob.ID)
	if err != nil || len(grants) != 2 {
		t.Fatalf("UserGrants: %+v %v", grants, err)
	}
	var direct, viaGroup store.Grant
	for _, g := range grants {
		if g.Group == "" {
			direct = g
		} else {
			viaGroup = g
		}
	}
	if direct.DomainID != a.ID || !direct.Custom || len(direct.Permissions) != 2 || viaGroup.DomainID != b.ID || viaGroup.Role != "canvas_admin" || viaGroup.Group != "ops" || viaGroup.Custom {
		t.Fatalf("grants: direct %+v, group %+v", direct, viaGroup)
	}

	// In use: refused, naming bob.
	err = s.DeleteCustomRole(ctx, acme.ID, store.DomainCanvas, a.ID, "deployer")
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "bob@example.com") {
		t.Fatalf("deleting a role in use: %v", err)
	}
	users, err := s.ListUserRoles(ctx, acme.ID)
	if err != nil || len(users) != 2 || users[0].OrgRole != "owner" || users[1].OrgRole != "member" || len(users[1].Grants) != 2 {
		t.Fatalf("ListUserRoles: %+v %v", users, err)
	}
	if u, err := s.FindUser(ctx, acme.ID, "bob@example.com"); err != nil || u.ID != bob.ID {
		t.Fatalf("FindUser by email: %+v %v", u, err)
	}
	if _, err := s.FindUser(ctx, globex.ID, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("globex finds acme's user: %v", err)
	}

	// The last owner stays; another owner first, then ann may step down.
	if err := s.SetOrganizationRole(ctx, acme.ID, ann.ID, "admin"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("demoting the last owner: %v", err)
	}
	if err := s.SetOrganizationRole(ctx, acme.ID, bob.ID, "owner"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetOrganizationRole(ctx, acme.ID, ann.ID, "admin"); err != nil {
		t.Fatalf("demoting an owner with another: %v", err)
	}

	// Deleting canvas a takes its binding and role; b's group stays.
	if err := s.DeleteRoleBinding(ctx, acme.ID, bob.ID, store.DomainCanvas, b.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("deleting a binding bob does not have: %v", err)
	}
	if err := s.DeleteCanvas(ctx, acme.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if grants, err := s.UserGrants(ctx, acme.ID, bob.ID); err != nil || len(grants) != 1 || grants[0].Group != "ops" {
		t.Fatalf("grants after deleting canvas a: %+v %v", grants, err)
	}
	if _, err := s.FindCustomRole(ctx, acme.ID, store.DomainCanvas, a.ID, "deployer"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a's role outlived it: %v", err)
	}
	if err := s.RemoveUserGroupMember(ctx, acme.ID, ops.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserGroup(ctx, acme.ID, store.DomainCanvas, b.ID, "ops"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCustomRole(ctx, acme.ID, store.DomainCanvas, b.ID, "deployer"); err != nil {
		t.Fatalf("deleting an unused role: %v", err)
	}
}
