package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func newIntegration(orgID, domainType, domainID, name string, secret store.Secret) store.Integration {
	ts := now()
	return store.Integration{
		ID: uuid.NewString(), OrgID: orgID, DomainType: domainType, DomainID: domainID, Name: name,
		Description: "about " + name, Type: "github", URL: "https://github.com/acme", AuthType: "AUTH_TYPE_TOKEN",
		SecretID: secret.ID, SecretKey: "password", CreatedBy: uuid.NewString(), CreatedAt: ts, UpdatedAt: ts,
	}
}

func testIntegrations(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	c := mustCanvas(t, s, org.ID, "prod")
	orgSecret := mustSecret(t, s, newSecret(org.ID, store.DomainOrganization, org.ID, "gh-token"))
	canvasSecret := mustSecret(t, s, newSecret(org.ID, store.DomainCanvas, c.ID, "sem-token"))

	orgInt := newIntegration(org.ID, store.DomainOrganization, org.ID, "github", orgSecret)
	if err := s.CreateIntegration(ctx, orgInt); err != nil {
		t.Fatal(err)
	}
	canvasInt := newIntegration(org.ID, store.DomainCanvas, c.ID, "semaphore", canvasSecret)
	canvasInt.Type, canvasInt.URL = "semaphore", "https://acme.semaphoreci.com"
	if err := s.CreateIntegration(ctx, canvasInt); err != nil {
		t.Fatal(err)
	}
	// A canvas integration may use an organization secret.
	mixed := newIntegration(org.ID, store.DomainCanvas, c.ID, "github-org-token", orgSecret)
	if err := s.CreateIntegration(ctx, mixed); err != nil {
		t.Fatal(err)
	}

	got, err := s.FindIntegration(ctx, org.ID, store.DomainOrganization, org.ID, "github")
	if err != nil {
		t.Fatal(err)
	}
	want := orgInt
	want.SecretName, want.SecretDomainType, want.OrgName = "gh-token", store.DomainOrganization, "acme"
	equal(t, "found integration", got, want)
	if _, err := s.FindIntegration(ctx, other.ID, store.DomainOrganization, other.ID, orgInt.ID); err == nil {
		t.Fatal("another organization finds the integration")
	}
	wantErr(t, s.CreateIntegration(ctx, newIntegration(org.ID, store.DomainOrganization, org.ID, "github", orgSecret)), store.ErrConflict, "github")
	missing := newIntegration(org.ID, store.DomainOrganization, org.ID, "ghost", store.Secret{ID: uuid.NewString()})
	wantErr(t, s.CreateIntegration(ctx, missing), store.ErrNotFound, "ghost")

	list, err := s.ListIntegrations(ctx, org.ID, store.DomainCanvas, c.ID)
	if err != nil || len(list) != 2 || list[0].Name != "github-org-token" || list[1].Name != "semaphore" {
		t.Fatalf("list canvas integrations: %+v %v", list, err)
	}
	users, err := s.IntegrationsUsingSecret(ctx, orgSecret.ID)
	if err != nil || len(users) != 2 {
		t.Fatalf("integrations using the org secret: %d %v", len(users), err)
	}

	// Status updates and a secret rename show through.
	checked := now()
	upd, err := s.UpdateIntegration(ctx, org.ID, store.DomainOrganization, org.ID, "github", func(in *store.Integration) error {
		in.StatusState, in.StatusReason, in.StatusCheckedAt = "failed", "Bad credentials", checked
		return nil
	})
	if err != nil || upd.StatusState != "failed" || !upd.StatusCheckedAt.Equal(checked) {
		t.Fatalf("update status: %+v %v", upd, err)
	}
	if _, err := s.UpdateSecret(ctx, org.ID, store.DomainOrganization, org.ID, "gh-token", func(sec *store.Secret) error {
		sec.Name = "github-token"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.FindIntegration(ctx, org.ID, store.DomainOrganization, org.ID, orgInt.ID)
	if got.SecretName != "github-token" || got.StatusReason != "Bad credentials" {
		t.Fatalf("after secret rename: %+v", got)
	}

	// A used secret cannot be deleted; the error names its users.
	err = s.DeleteSecret(ctx, org.ID, store.DomainOrganization, org.ID, "github-token")
	wantErr(t, err, store.ErrConflict, "github", "github-org-token")
	findSecret(t, s, orgSecret)

	if err := s.DeleteIntegration(ctx, org.ID, store.DomainOrganization, org.ID, "github"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, s.DeleteIntegration(ctx, org.ID, store.DomainOrganization, org.ID, "github"), store.ErrNotFound, "github")
	if err := s.DeleteIntegration(ctx, org.ID, store.DomainCanvas, c.ID, "github-org-token"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSecret(ctx, org.ID, store.DomainOrganization, org.ID, "github-token"); err != nil {
		t.Fatalf("delete an unused secret: %v", err)
	}

	// Deleting the canvas removes its integration and the secret it uses together.
	if err := s.DeleteCanvas(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("delete canvas with an integration: %v", err)
	}
	if _, err := s.FindSecretByID(ctx, org.ID, canvasSecret.ID); err == nil {
		t.Fatal("canvas secret survived its canvas")
	}
}
