package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// inUseStage is a noop (or tool) stage listening to "hook" that reads the
// given secrets (alias -> reference) and runs through integration ex (nil:
// a noop executor).
func inUseStage(name string, secrets []api.ValueDefinition, ex *api.Executor) api.StageRequest {
	if ex == nil {
		ex = &api.Executor{Type: "noop", Spec: map[string]any{}}
	}
	return api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: name}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}},
		Secrets:     secrets,
		Executor:    ex,
	}}}
}

func secretRef(alias, domainType, name, key string) api.ValueDefinition {
	return api.ValueDefinition{Name: alias, ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{DomainType: domainType, Name: name, Key: key}}}
}

func githubExecutor(integration, domainType string) *api.Executor {
	return &api.Executor{
		Type: "github", Integration: &api.IntegrationRef{Name: integration, DomainType: domainType},
		Resource: &api.ResourceRef{Type: "repository", Name: "app"},
		Spec:     map[string]any{"workflow": "deploy.yml", "ref": "main"},
	}
}

// expectInUse checks a 409 that names every user in want and none in not.
func expectInUse(t *testing.T, r response, want, not []string) {
	t.Helper()
	if r.status != http.StatusConflict || r.err.Code != api.CodeAlreadyExists {
		t.Fatalf("want 409 code %d; got %d %s", api.CodeAlreadyExists, r.status, r.body)
	}
	for _, w := range want {
		if !strings.Contains(r.err.Message, w) {
			t.Errorf("message %q does not name %s", r.err.Message, w)
		}
	}
	for _, n := range not {
		if strings.Contains(r.err.Message, n) {
			t.Errorf("message %q names %s, which does not use it", r.err.Message, n)
		}
	}
}

// TestNothingInUseCanBeDeleted: a secret or an integration that a stage
// uses, in the organization or in a canvas, cannot be deleted: 409 names
// every stage (with its canvas), integration and event source using it,
// and nothing is deleted. A secret update that drops a key a stage reads is
// refused the same way. Once the users are gone, the deletes work.
func TestNothingInUseCanBeDeleted(t *testing.T) {
	e, _, _ := integrationEnv(t) // canvas "prod"
	createCanvas(t, e, "staging")
	createCanvas(t, e, "dev")
	for _, c := range []string{"prod", "staging", "dev"} {
		e.do("owner", "POST", "/api/v1/canvases/"+c+"/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	}
	const org, canvas = api.DomainTypeOrganization, api.DomainTypeCanvas
	tokens := map[string]string{"token": goodGitHubToken, "extra": "x"}
	e.do("owner", "POST", "/api/v1/secrets", secretBody(org, "", "gh", tokens)).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(canvas, "prod", "cgh", tokens)).decode(t, &api.SecretResponse{})
	// dev has its own "gh", which shadows the organization's for dev's
	// stages that name no domain.
	e.do("owner", "POST", "/api/v1/secrets", secretBody(canvas, "dev", "gh", tokens)).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(org, "", "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(canvas, "prod", "cgithub", "github", "https://github.com/acme", "cgh", "token")).decode(t, &api.IntegrationResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(org, "", "unused", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})

	stages := []struct {
		canvas string
		req    api.StageRequest
	}{
		// No domain: prod has no "gh" of its own, so the organization's.
		{"prod", inUseStage("deploy", []api.ValueDefinition{secretRef("T", "", "gh", "token")}, nil)},
		{"staging", inUseStage("deploy", []api.ValueDefinition{secretRef("T", org, "gh", "extra")}, nil)},
		{"dev", inUseStage("deploy", []api.ValueDefinition{secretRef("T", "", "gh", "token")}, nil)},
		{"prod", inUseStage("build", nil, githubExecutor("github", ""))},
		{"prod", inUseStage("ship", []api.ValueDefinition{secretRef("T", canvas, "cgh", "token")}, githubExecutor("cgithub", canvas))},
	}
	for _, s := range stages {
		e.do("owner", "POST", "/api/v1/canvases/"+s.canvas+"/stages", s.req).decode(t, &api.StageResponse{})
	}
	const orgQ, prodQ, devQ = "?domainType=DOMAIN_TYPE_ORGANIZATION", "?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", "?domainType=DOMAIN_TYPE_CANVAS&domainId=dev"

	t.Run("OrganizationSecret", func(t *testing.T) {
		expectInUse(t, e.do("owner", "DELETE", "/api/v1/secrets/gh"+orgQ, nil),
			[]string{`secret "gh" is used by`, `stage "deploy" (canvas "prod")`, `stage "deploy" (canvas "staging")`, `integration "github"`, `integration "unused"`},
			[]string{`canvas "dev"`, `"build"`, `"ship"`})
	})
	t.Run("CanvasSecret", func(t *testing.T) {
		expectInUse(t, e.do("owner", "DELETE", "/api/v1/secrets/cgh"+prodQ, nil),
			[]string{`stage "ship" (canvas "prod")`, `integration "cgithub" (canvas "prod")`},
			[]string{`"deploy"`, `"build"`})
		expectInUse(t, e.do("owner", "DELETE", "/api/v1/secrets/gh"+devQ, nil),
			[]string{`stage "deploy" (canvas "dev")`}, []string{`"prod"`, `"staging"`})
	})
	t.Run("OrganizationIntegration", func(t *testing.T) {
		expectInUse(t, e.do("owner", "DELETE", "/api/v1/integrations/github"+orgQ, nil),
			[]string{`integration "github" is used by`, `stage "build" (canvas "prod")`}, []string{`"ship"`, `"deploy"`})
	})
	t.Run("CanvasIntegration", func(t *testing.T) {
		expectInUse(t, e.do("owner", "DELETE", "/api/v1/integrations/cgithub"+prodQ, nil),
			[]string{`stage "ship" (canvas "prod")`}, []string{`"build"`})
	})
	t.Run("UpdateDroppingAKeyAStageReads", func(t *testing.T) {
		drop := func(path, keep string) response {
			return e.do("owner", "PATCH", path, api.UpdateSecretRequest{Secret: &api.Secret{
				Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: map[string]string{keep: "v"}}},
			}})
		}
		// staging's stage reads "extra" of the organization's gh.
		expectInUse(t, drop("/api/v1/secrets/gh"+orgQ, "token"),
			[]string{`key "extra" is used by stage "deploy" (canvas "staging")`}, []string{`canvas "prod"`})
		expectInUse(t, drop("/api/v1/secrets/cgh"+prodQ, "extra"),
			[]string{`key "token" is used by stage "ship" (canvas "prod")`, `integration "cgithub"`}, nil)
		// Dropping a key nobody reads is fine.
		var out api.SecretResponse
		e.do("owner", "PATCH", "/api/v1/secrets/cgh"+prodQ, api.UpdateSecretRequest{Secret: &api.Secret{
			Spec: &api.SecretSpec{Provider: api.ProviderLocal, Local: &api.SecretLocal{Data: map[string]string{"token": goodGitHubToken}}},
		}}).decode(t, &out)
	})
	t.Run("NothingWasDeleted", func(t *testing.T) {
		for _, p := range []string{"/api/v1/secrets/gh" + orgQ, "/api/v1/secrets/cgh" + prodQ, "/api/v1/secrets/gh" + devQ,
			"/api/v1/integrations/github" + orgQ, "/api/v1/integrations/cgithub" + prodQ} {
			if r := e.do("viewer", "GET", p, nil); r.status != http.StatusOK {
				t.Errorf("GET %s: %d %s", p, r.status, r.body)
			}
		}
	})
	t.Run("DeletesWorkOnceUnused", func(t *testing.T) {
		for _, s := range stages {
			if r := e.do("owner", "DELETE", "/api/v1/canvases/"+s.canvas+"/stages/"+s.req.Stage.Metadata.Name, nil); r.status != http.StatusOK {
				t.Fatalf("delete stage %s/%s: %d %s", s.canvas, s.req.Stage.Metadata.Name, r.status, r.body)
			}
		}
		for _, p := range []string{"/api/v1/integrations/github" + orgQ, "/api/v1/integrations/unused" + orgQ,
			"/api/v1/integrations/cgithub" + prodQ, "/api/v1/secrets/gh" + orgQ, "/api/v1/secrets/cgh" + prodQ, "/api/v1/secrets/gh" + devQ} {
			if r := e.do("owner", "DELETE", p, nil); r.status != http.StatusOK {
				t.Errorf("DELETE %s: %d %s", p, r.status, r.body)
			}
		}
	})
}
