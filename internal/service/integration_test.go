package service_test

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/integration/all"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
	"github.com/superplane/terraform-provider-superplane/internal/service"
)

// TestIntegrationsReverifiedWhenTheirSecretRotates wires Secrets to
// Integrations as the server does, with no server in between: a rotation to
// a token GitHub refuses turns the integration's status to failed, and its
// errors carry their class.
func TestIntegrationsReverifiedWhenTheirSecretRotates(t *testing.T) {
	const good, weak = "ghp_good0000000000000000000000000000000", "ghp_weak0000000000000000000000000000000"
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(good, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddToken(weak, "octocat", []string{"read:user"})
	gh.AddRepo("acme", "app", "octocat")
	f := newFixture(t)
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	secrets := &service.Secrets{Store: f.st, Sealer: f.sl, Log: log, Now: time.Now}
	tools := &integration.Verifier{GitHubAPIURL: gh.URL(),
		Client: outbound.New(outbound.Config{AllowedNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})}
	integrations := &service.Integrations{Store: f.st, Secrets: secrets, Types: all.Registry(), Tools: tools, Log: log, Now: time.Now}
	secrets.DataChanged = integrations.ReverifyUsers

	org := api.DomainTypeOrganization
	if _, err := secrets.Create(ctx, f.p, api.CreateSecretRequest{DomainType: org,
		Secret: &api.Secret{Metadata: &api.SecretMetadata{Name: "gh"},
			Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": good}}}}}); err != nil {
		t.Fatal(err)
	}
	spec := func(key string) *api.IntegrationSpec {
		return &api.IntegrationSpec{Type: "github", URL: "https://github.com/acme/", Auth: &api.IntegrationAuth{
			Use:   api.AuthTypeToken,
			Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: "gh", Key: key}}},
		}}
	}
	_, err := integrations.Create(ctx, f.p, api.CreateIntegrationRequest{DomainType: org,
		Integration: &api.Integration{Metadata: &api.IntegrationMetadata{Name: "github"}, Spec: spec("nope")}})
	if code, msg := classOf(t, err); code != api.CodeNotFound ||
		msg != `integration.spec.auth.token.valueFrom.secret: key "nope" not found in secret "gh"` {
		t.Fatalf("missing key: %d %q", code, msg)
	}
	in, err := integrations.Create(ctx, f.p, api.CreateIntegrationRequest{DomainType: org,
		Integration: &api.Integration{Metadata: &api.IntegrationMetadata{Name: "github"}, Spec: spec("token")}})
	if err != nil {
		t.Fatal(err)
	}
	if in.StatusState != api.IntegrationStateOK || in.URL != "https://github.com/acme" {
		t.Fatalf("created: state %q (%s), url %q", in.StatusState, in.StatusReason, in.URL)
	}
	if _, err := secrets.Update(ctx, f.p, org, "", "gh", api.UpdateSecretRequest{Secret: &api.Secret{
		Spec: &api.SecretSpec{Local: &api.SecretLocal{Data: map[string]string{"token": weak}}}}}); err != nil {
		t.Fatal(err)
	}
	got, err := integrations.Find(ctx, f.p, org, "", "github")
	if err != nil {
		t.Fatal(err)
	}
	if got.StatusState != api.IntegrationStateFailed {
		t.Fatalf("after rotation to a weak token: state %q (%s)", got.StatusState, got.StatusReason)
	}
}
