package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// bindAccount gives the user of service account id the role on canvas, as
// the owner, through the roles API (the account's user is found by its
// email, which is the account's id).
func bindAccount(t *testing.T, e *env, id, role, canvas string) {
	t.Helper()
	e.do("owner", "POST", "/api/v1/roles/"+role+"/users",
		api.UserRef{DomainType: api.DomainTypeCanvas, DomainID: canvas, UserEmail: id + store.ServiceAccountEmailDomain}).decode(t, &api.Empty{})
}

// TestServiceAccountCanvasRolesRankToo: a service account's canvas roles
// count as much as its organization role. A member who may manage service
// accounts (a custom organization role) and is canvas admin of dev cannot
// mint a token of, change, revoke or delete an account that owns prod or
// dev (it would act as their owner), directly or through a group: 403 naming dev, but not prod, which
// the keeper cannot see (a canvas's name never leaks); it may
// for an account that is canvas admin of dev, whose token then does no
// more than that. An organization admin, who holds every canvas
// permission, still manages them all.
func TestServiceAccountCanvasRolesRankToo(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	createCanvas(t, e, "dev")
	keeper := addMember(t, e, "keeper")
	e.do("owner", "POST", "/api/v1/roles", `{"role":{"metadata":{"name":"account-keeper"},"spec":{"displayName":"Keeper","permissions":[`+
		`{"resource":"serviceaccount","action":"read"},{"resource":"serviceaccount","action":"create"},`+
		`{"resource":"serviceaccount","action":"update"},{"resource":"serviceaccount","action":"delete"}]}}}`).decode(t, &api.RoleResponse{})
	e.do("owner", "POST", "/api/v1/roles/account-keeper/users", api.UserRef{UserID: keeper}).decode(t, &api.Empty{})
	addCanvasMember(t, e, "owner", "dev", keeper, api.RoleCanvasAdmin).decode(t, &api.Empty{})

	release := createAccount(t, e, "owner", "release", api.RoleMember)
	bindAccount(t, e, release, api.RoleCanvasOwner, "prod")
	devOwner := createAccount(t, e, "owner", "dev-owner", api.RoleMember)
	bindAccount(t, e, devOwner, api.RoleCanvasOwner, "dev")
	devAdmin := createAccount(t, e, "owner", "dev-admin", api.RoleMember)
	bindAccount(t, e, devAdmin, api.RoleCanvasAdmin, "dev")
	ownersToken, _ := createAccountToken(t, e, "owner", release, "owners", nil)
	// Through a group: dev's owners.
	grouped := createAccount(t, e, "owner", "grouped", api.RoleMember)
	e.do("owner", "POST", "/api/v1/groups", `{"domainType":"DOMAIN_TYPE_CANVAS","domainId":"dev","group":{"metadata":{"name":"owners"},"spec":{"role":"canvas_owner","displayName":"Owners"}}}`).decode(t, &api.GroupResponse{})
	e.do("owner", "POST", "/api/v1/groups/owners/users",
		api.UserRef{DomainType: api.DomainTypeCanvas, DomainID: "dev", UserEmail: grouped + store.ServiceAccountEmailDomain}).decode(t, &api.Empty{})

	for _, c := range []struct{ method, path, body, canvas string }{
		{"POST", "/api/v1/service-accounts/release/tokens", `{"name":"steal"}`, ""},
		{"PATCH", "/api/v1/service-accounts/release", `{"serviceAccount":{"metadata":{"description":"mine"}}}`, ""},
		{"DELETE", "/api/v1/service-accounts/release/tokens/" + ownersToken.ID, "", ""},
		{"DELETE", "/api/v1/service-accounts/release", "", ""},
		// Canvas admin of dev is not enough for dev's owner: it lacks
		// delete canvas there.
		{"POST", "/api/v1/service-accounts/dev-owner/tokens", `{"name":"steal"}`, "dev"},
		{"PATCH", "/api/v1/service-accounts/" + devOwner, `{"serviceAccount":{"metadata":{"description":"mine"}}}`, "dev"},
		{"POST", "/api/v1/service-accounts/grouped/tokens", `{"name":"steal"}`, "dev"},
	} {
		r := e.do("keeper", c.method, c.path, c.body)
		want := "canvas " + c.canvas
		if c.canvas == "" {
			want = "a canvas the caller cannot see"
			if strings.Contains(string(r.body), "prod") {
				t.Errorf("%s %s names prod to a caller who cannot see it: %s", c.method, c.path, r.body)
			}
		}
		expectError(t, r, http.StatusForbidden, api.CodePermissionDenied, want)
	}
	var tokens api.ListServiceAccountTokensResponse
	e.do("owner", "GET", "/api/v1/service-accounts/release/tokens", nil).decode(t, &tokens)
	if len(tokens.Tokens) != 1 || tokens.Tokens[0].ID != ownersToken.ID {
		t.Fatalf("after the refusals release's tokens are %+v; want only the owner's", tokens.Tokens)
	}
	var got api.ServiceAccountResponse
	e.do("owner", "GET", "/api/v1/service-accounts/release", nil).decode(t, &got)
	if got.ServiceAccount.Metadata.Description != "about release" {
		t.Fatalf("a refused update changed release: %+v", got.ServiceAccount.Metadata)
	}

	// As much as the keeper holds: allowed, and the token does no more.
	e.do("keeper", "PATCH", "/api/v1/service-accounts/dev-admin", `{"serviceAccount":{"metadata":{"description":"ci"}}}`).decode(t, &api.ServiceAccountResponse{})
	_, value := createAccountToken(t, e, "keeper", devAdmin, "ci", nil)
	e.do(value, "GET", "/api/v1/canvases/dev/stages", nil).decode(t, &api.ListStagesResponse{})
	expectError(t, e.do(value, "DELETE", "/api/v1/canvases/dev", nil), http.StatusForbidden, api.CodePermissionDenied, "")
	expectError(t, e.do(value, "GET", "/api/v1/canvases/prod", nil), http.StatusNotFound, api.CodeNotFound, "")

	// The organization admin holds every canvas permission.
	for i, a := range []string{"release", "dev-owner"} {
		createAccountToken(t, e, "admin", a, fmt.Sprintf("admin-%d", i), nil)
	}
	e.do("admin", "DELETE", "/api/v1/service-accounts/dev-owner", nil).decode(t, &api.Empty{})
}
