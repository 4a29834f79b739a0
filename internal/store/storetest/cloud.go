package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testCloudIntegrations: a cloud integration keeps its settings, may use
// no secret at all (web identity), and reads back the names of its
// organization and canvas, which the subject of its ID tokens names.
func testCloudIntegrations(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	ts := now()
	in := store.Integration{
		ID: uuid.NewString(), OrgID: org.ID, DomainType: store.DomainCanvas, DomainID: c.ID, Name: "aws",
		Type: "aws", AuthType: "AUTH_TYPE_WEB_IDENTITY", Settings: []byte(`{"region":"eu-west-1"}`),
		CreatedAt: ts, UpdatedAt: ts,
	}
	if err := s.CreateIntegration(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.FindIntegration(ctx, org.ID, store.DomainCanvas, c.ID, "aws")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Settings) != `{"region":"eu-west-1"}` || got.SecretID != "" || got.OrgName != "acme" || got.CanvasName != "prod" {
		t.Fatalf("found %+v", got)
	}
	upd, err := s.UpdateIntegration(ctx, org.ID, store.DomainCanvas, c.ID, "aws", func(in *store.Integration) error {
		in.Settings = []byte(`{"region":"us-east-1"}`)
		return nil
	})
	if err != nil || string(upd.Settings) != `{"region":"us-east-1"}` {
		t.Fatalf("updated settings %q: %v", upd.Settings, err)
	}
	// A renamed canvas shows its new name: it is read, not copied.
	if _, err := s.UpdateCanvas(ctx, org.ID, c.ID, func(c *store.Canvas) error { c.Name = "production"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, err = s.FindIntegrationByID(ctx, org.ID, in.ID)
	if err != nil || got.CanvasName != "production" {
		t.Fatalf("after the canvas's rename: %+v %v", got, err)
	}
}

// testOIDCKeys: keys list newest first, and pruning old ones never removes
// the newest, which signs.
func testOIDCKeys(t *testing.T, s store.Store) {
	ctx := t.Context()
	base := now().Add(-48 * time.Hour)
	for i, kid := range []string{"k1", "k2", "k3"} {
		k := store.OIDCKey{Kid: kid, Algorithm: "RS256", PublicJWK: []byte(`{"kid":"` + kid + `"}`),
			Ciphertext: []byte{1, 2, byte(i)}, KeyID: "kek", CreatedAt: base.Add(time.Duration(i) * time.Hour)}
		if err := s.CreateOIDCKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, s.CreateOIDCKey(ctx, store.OIDCKey{Kid: "k1", Algorithm: "RS256", CreatedAt: base}), store.ErrConflict, "k1")
	list, err := s.ListOIDCKeys(ctx, 10)
	if err != nil || len(list) != 3 || list[0].Kid != "k3" || list[2].Kid != "k1" {
		t.Fatalf("ListOIDCKeys = %+v, %v", list, err)
	}
	if string(list[0].PublicJWK) != `{"kid":"k3"}` || list[0].KeyID != "kek" || !list[0].CreatedAt.Equal(base.Add(2*time.Hour)) {
		t.Fatalf("newest key read back as %+v", list[0])
	}
	// Everything is older than now: only the newest key stays.
	n, err := s.DeleteOIDCKeysBefore(ctx, now())
	if err != nil || n != 2 {
		t.Fatalf("DeleteOIDCKeysBefore = %d, %v; want 2", n, err)
	}
	list, err = s.ListOIDCKeys(ctx, 10)
	if err != nil || len(list) != 1 || list[0].Kid != "k3" {
		t.Fatalf("after pruning: %+v, %v", list, err)
	}
}
