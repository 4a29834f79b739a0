package storetest

import (
	"bytes"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testFindPrincipalScope: one lookup answers the token's principal with the
// canvas and secret a request names, exactly as FindPrincipal, FindCanvas
// and FindSecret answer them one at a time; anything missing, in another
// organization or another domain, and a revoked token, is ErrNotFound.
func testFindPrincipalScope(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	user := mustUser(t, s, org.ID, "ada@example.com")
	hash := bytes.Repeat([]byte{0xab}, 32)
	if err := s.CreateToken(ctx, store.Token{Hash: hash, UserID: user.ID, OrgID: org.ID, Role: "viewer", CreatedAt: now(), ExpiresAt: now().Add(-1)}); err != nil {
		t.Fatal(err)
	}
	canvas := mustCanvas(t, s, org.ID, "prod")
	otherCanvas := mustCanvas(t, s, other.ID, "prod")
	orgSecret := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "db"))
	canvasSecret := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, canvas.ID, "db"))
	mustSecret(t, s, newSecret(other.ID, store.DomainOrganization, other.ID, "theirs"))
	mustSecret(t, s, newSecret(other.ID, store.DomainCanvas, otherCanvas.ID, "theirs"))

	principal, err := s.FindPrincipal(ctx, hash)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		scope store.Scope
		want  store.Scoped
	}{
		{"nothing", store.Scope{}, store.Scoped{Principal: principal}},
		{"canvas by name", store.Scope{Canvas: "prod"}, store.Scoped{Principal: principal, Canvas: canvas}},
		{"canvas by id", store.Scope{Canvas: canvas.ID}, store.Scoped{Principal: principal, Canvas: canvas}},
		{"organization secret by name", store.Scope{SecretDomain: store.DomainOrganization, Secret: "db"},
			store.Scoped{Principal: principal, Secret: findSecret(t, s, orgSecret)}},
		{"organization secret by id", store.Scope{SecretDomain: store.DomainOrganization, Secret: orgSecret.ID},
			store.Scoped{Principal: principal, Secret: findSecret(t, s, orgSecret)}},
		{"canvas secret", store.Scope{Canvas: "prod", SecretDomain: store.DomainCanvas, Secret: "db"},
			store.Scoped{Principal: principal, Canvas: canvas, Secret: findSecret(t, s, canvasSecret)}},
		{"canvas secret by ids", store.Scope{Canvas: canvas.ID, SecretDomain: store.DomainCanvas, Secret: canvasSecret.ID},
			store.Scoped{Principal: principal, Canvas: canvas, Secret: findSecret(t, s, canvasSecret)}},
	} {
		got, err := s.FindPrincipalScope(ctx, hash, tc.scope)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// An expired token is returned, as by FindPrincipal: the caller
		// compares its clock.
		equal(t, tc.name, got, tc.want)
	}

	for _, tc := range []struct {
		name  string
		hash  []byte
		scope store.Scope
	}{
		{"unknown token", bytes.Repeat([]byte{0xcd}, 32), store.Scope{}},
		{"missing canvas", hash, store.Scope{Canvas: "staging"}},
		{"another organization's canvas", hash, store.Scope{Canvas: otherCanvas.ID}},
		{"missing secret", hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: "nothing"}},
		{"another organization's secret", hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: "theirs"}},
		{"another organization's canvas secret", hash, store.Scope{Canvas: otherCanvas.ID, SecretDomain: store.DomainCanvas, Secret: "theirs"}},
		{"a canvas secret asked in the organization", hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: canvasSecret.ID}},
		{"an organization secret asked in the canvas", hash, store.Scope{Canvas: "prod", SecretDomain: store.DomainCanvas, Secret: orgSecret.ID}},
		{"a canvas secret without its canvas", hash, store.Scope{SecretDomain: store.DomainCanvas, Secret: "db"}},
		{"an unknown domain", hash, store.Scope{SecretDomain: "DOMAIN_TYPE_UNSPECIFIED", Secret: "db"}},
		{"another spelling of an id", hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: "{" + orgSecret.ID + "}"}},
	} {
		_, err := s.FindPrincipalScope(ctx, tc.hash, tc.scope)
		if err == nil {
			t.Fatalf("%s: found", tc.name)
		}
		wantErr(t, err, store.ErrNotFound)
	}

	// Revoked: refused by the very next lookup.
	if err := s.RevokeToken(ctx, principal.Token.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.FindPrincipalScope(ctx, hash, store.Scope{SecretDomain: store.DomainOrganization, Secret: "db"})
	wantErr(t, err, store.ErrNotFound)
}
