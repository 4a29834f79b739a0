package service_test

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestAuthProviderSecretFollowsKeyRotation: `keys rotate` rewraps an auth
// provider's sealed client secret under the new key, `keys check` opens it
// with the new key alone, and the old key is no longer counted in use.
func TestAuthProviderSecretFollowsKeyRotation(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	p := store.Principal{User: u, Organization: org, Role: api.RoleOwner}
	const oldKey = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	const newKey = "k2:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
	old, err := keyring.Parse(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	aps := &service.AuthProviders{Store: st, Sealer: sealer.New(keyring.StaticKeys(old)), Now: time.Now}
	if _, err := aps.Create(ctx, p, api.AuthProviderRequest{AuthProvider: &api.AuthProvider{
		Metadata: &api.AuthProviderMetadata{Name: "gh"},
		Spec:     &api.AuthProviderSpec{Type: "github", ClientID: "c", ClientSecret: &api.AuthProviderSecret{Value: "s3cret"}},
	}}); err != nil {
		t.Fatal(err)
	}
	both, err := keyring.Parse(newKey + "," + oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.RotateKeys(ctx, st, sealer.New(keyring.StaticKeys(both)), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	onlyNew, err := keyring.Parse(newKey)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sealer.CheckKeys(ctx, st, onlyNew)
	if err != nil || len(rep.Failed) != 0 || rep.Opened["k2"] != 1 {
		t.Fatalf("keys check with the new key only: %+v %v", rep, err)
	}
	if missing, err := sealer.MissingKeys(ctx, st, onlyNew); err != nil || len(missing) != 0 {
		t.Fatalf("after rotation the old key is still in use: %v %v", missing, err)
	}
}
