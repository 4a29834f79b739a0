package service_test

import (
	"bytes"
	"context"
	"errors"
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

// fixture is a store on a SQLite file, a sealer with a fresh key file and a
// principal of one organization: what cmd wires for the services.
type fixture struct {
	st store.Store
	p  store.Principal
	sl *sealer.Sealer
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "superplane.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keyFile := filepath.Join(dir, "keys")
	if _, err := keyring.EnsureFile(keyFile); err != nil {
		t.Fatal(err)
	}
	ks, err := keyring.FileKeys(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.EnsureUser(ctx, org.ID, "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, sl: sealer.New(ks), p: store.Principal{User: u, Organization: org, Role: api.RoleOwner}}
}

// classOf is what the server's error table reads.
func classOf(t *testing.T, err error) (int, string) {
	t.Helper()
	var se *service.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) carries no class", err, err)
	}
	return se.Code, se.Message
}

func TestServiceErrorsCarryTheirClass(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	canvases := &service.Canvases{Store: f.st, Now: time.Now}
	secrets := &service.Secrets{Store: f.st, Sealer: f.sl, Log: slog.New(slog.DiscardHandler), Now: time.Now}

	_, err := canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "bad name"}}})
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument ||
		msg != `canvas.metadata.name "bad name" may contain only letters, digits, '-', '_' and '.'` {
		t.Fatalf("bad name: %d %q", code, msg)
	}
	if _, err := canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}}); err != nil {
		t.Fatal(err)
	}
	// A rule checked inside the store's transaction keeps its class too.
	other := "staging"
	_, err = canvases.Update(ctx, f.p, "prod", &service.CanvasPatch{Name: &other})
	if code, msg := classOf(t, err); code != api.CodeInvalidArgument || msg != "canvas.metadata.name cannot be changed" {
		t.Fatalf("rename: %d %q", code, msg)
	}
	_, err = secrets.Create(ctx, f.p, api.CreateSecretRequest{DomainType: "DOMAIN_TYPE_TEAM",
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: "tokens"}}})
	if code, _ := classOf(t, err); code != api.CodeInvalidArgument {
		t.Fatalf("unknown domain type: code %d", code)
	}
	_, err = secrets.Find(ctx, f.p, api.DomainTypeOrganization, "someone-else", "tokens")
	if code, msg := classOf(t, err); code != api.CodeNotFound || msg != `organization "someone-else" not found` {
		t.Fatalf("other organization: %d %q", code, msg)
	}
}

func TestSecretsSealAndRotate(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	var changed []string
	secrets := &service.Secrets{Store: f.st, Sealer: f.sl, Log: slog.New(slog.DiscardHandler), Now: time.Now,
		DataChanged: func(_ context.Context, id string) { changed = append(changed, id) }}
	org := api.DomainTypeOrganization
	sec, err := secrets.Create(ctx, f.p, api.CreateSecretRequest{DomainType: org,
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: "tokens"},
			Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": "s3cret-value"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sec.Ciphertext, []byte("s3cret-value")) || len(sec.Keys) != 1 || sec.Keys[0] != "token" {
		t.Fatalf("stored secret: keys %v, plaintext in ciphertext: %v", sec.Keys, bytes.Contains(sec.Ciphertext, []byte("s3cret-value")))
	}
	update := func(value string) store.Secret {
		t.Helper()
		out, err := secrets.Update(ctx, f.p, org, "", "tokens", api.UpdateSecretRequest{Secret: &api.Secret{
			Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": value}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := update("s3cret-value"); got.Version != 1 || len(changed) != 0 {
		t.Fatalf("same data: version %d, data-changed calls %v", got.Version, changed)
	}
	got := update("rotated")
	if got.Version != 2 || len(changed) != 1 || changed[0] != sec.ID {
		t.Fatalf("new data: version %d, data-changed calls %v", got.Version, changed)
	}
	data, err := secrets.Open(got)
	if err != nil || data["token"] != "rotated" {
		t.Fatalf("open: %v %v", data, err)
	}
}
