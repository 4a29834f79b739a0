package server_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/fake/semaphore"
)

const (
	goodGitHubToken = "ghp_good0000000000000000000000000000000"
	weakGitHubToken = "ghp_weak0000000000000000000000000000000"
	goodSemToken    = "sem-good-token-000000000000"
)

func integrationEnv(t *testing.T) (*env, *github.Server, *semaphore.Server) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook", "workflow"})
	gh.AddToken(weakGitHubToken, "octocat", []string{"read:user"})
	gh.AddRepo("acme", "app", "octocat")
	sem := semaphore.New(t)
	sem.AddToken(goodSemToken)
	e := newEnv(t, withTools(fakeTools(gh.URL(), sem.URL())))
	createCanvas(t, e, "prod")
	return e, gh, sem
}

func integrationBody(domainType, domainID, name, typ, url, secret, key string) api.CreateIntegrationRequest {
	return api.CreateIntegrationRequest{
		DomainType: domainType, DomainID: domainID,
		Integration: &api.Integration{
			Metadata: &api.IntegrationMetadata{Name: name, Description: "d"},
			Spec: &api.IntegrationSpec{Type: typ, URL: url, Auth: &api.IntegrationAuth{
				Use:   api.AuthTypeToken,
				Token: &api.AuthToken{ValueFrom: &api.ValueFrom{Secret: &api.ValueFromSecret{Name: secret, Key: key}}},
			}},
		},
	}
}

func TestIntegrations(t *testing.T) {
	e, gh, _ := integrationEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "sem", map[string]string{"token": goodSemToken})).decode(t, &api.SecretResponse{})

	t.Run("CreateVerifiesOK", func(t *testing.T) {
		var out api.IntegrationResponse
		e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &out)
		st := out.Integration.Status
		if st == nil || st.State != api.IntegrationStateOK || st.CheckedAt == nil {
			t.Fatalf("status: %+v", st)
		}
		ref := out.Integration.Spec.Auth.Token.ValueFrom.Secret
		if ref.Name != "gh" || ref.Key != "token" || ref.DomainType != api.DomainTypeOrganization {
			t.Fatalf("secret ref: %+v", ref)
		}
		if len(gh.Requests()) == 0 {
			t.Fatal("the fake GitHub was never asked")
		}
		// Semaphore integration in a canvas, using the canvas secret.
		e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeCanvas, "prod", "semaphore", "semaphore", "https://acme.semaphoreci.com", "sem", "token")).decode(t, &out)
		if out.Integration.Status.State != api.IntegrationStateOK {
			t.Fatalf("semaphore status: %+v", out.Integration.Status)
		}
	})

	t.Run("RotationReverifies", func(t *testing.T) {
		// The new token lacks the scopes: the status says so after the update.
		e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"token":"`+weakGitHubToken+`"}}}}}`).decode(t, &api.SecretResponse{})
		var out api.IntegrationResponse
		e.do("viewer", "GET", "/api/v1/integrations/github?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
		if out.Integration.Status.State != api.IntegrationStateFailed || !strings.Contains(out.Integration.Status.Reason, "scope") {
			t.Fatalf("after rotating to a weak token: %+v", out.Integration.Status)
		}
		// A bad token gives GitHub's own reason on the verify endpoint.
		e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"token":"ghp_revoked"}}}}}`).decode(t, &api.SecretResponse{})
		e.do("owner", "POST", "/api/v1/integrations/github/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
		if out.Integration.Status.State != api.IntegrationStateFailed || !strings.Contains(out.Integration.Status.Reason, "Bad credentials") {
			t.Fatalf("bad token: %+v", out.Integration.Status)
		}
		e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"token":"`+goodGitHubToken+`"}}}}}`).decode(t, &api.SecretResponse{})
		e.do("viewer", "GET", "/api/v1/integrations/github?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
		if out.Integration.Status.State != api.IntegrationStateOK {
			t.Fatalf("after rotating back: %+v", out.Integration.Status)
		}
	})

	t.Run("SecretInUse", func(t *testing.T) {
		r := e.do("owner", "DELETE", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", nil)
		expectError(t, r, 409, api.CodeAlreadyExists, "github")
		r = e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"other":"x"}}}}}`)
		expectError(t, r, 409, api.CodeAlreadyExists, "github")
		// A rename of the secret keeps the integration working.
		e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"metadata":{"name":"gh-renamed"}}}`).decode(t, &api.SecretResponse{})
		var out api.IntegrationResponse
		e.do("owner", "POST", "/api/v1/integrations/github/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &out)
		if out.Integration.Spec.Auth.Token.ValueFrom.Secret.Name != "gh-renamed" || out.Integration.Status.State != api.IntegrationStateOK {
			t.Fatalf("after renaming the secret: %+v %+v", out.Integration.Spec.Auth.Token.ValueFrom.Secret, out.Integration.Status)
		}
	})

	t.Run("UpdateAndDelete", func(t *testing.T) {
		var out api.IntegrationResponse
		body := integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/nobody-here", "gh-renamed", "token")
		e.do("admin", "PATCH", "/api/v1/integrations/github", api.UpdateIntegrationRequest(body)).decode(t, &out)
		if out.Integration.Spec.URL != "https://github.com/nobody-here" || out.Integration.Status.State != api.IntegrationStateFailed {
			t.Fatalf("update to an unknown owner: %+v %+v", out.Integration.Spec, out.Integration.Status)
		}
		e.do("owner", "DELETE", "/api/v1/integrations/github?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &api.Empty{})
		expectError(t, e.do("owner", "GET", "/api/v1/integrations/github?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 404, api.CodeNotFound, "github")
		e.do("owner", "DELETE", "/api/v1/secrets/gh-renamed?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &api.Empty{})
	})

	t.Run("CanvasDeleteTakesItsIntegrations", func(t *testing.T) {
		e.do("owner", "DELETE", "/api/v1/canvases/prod", nil).decode(t, &api.Empty{})
		createCanvas(t, e, "prod")
		var list api.ListIntegrationsResponse
		e.do("owner", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_CANVAS&domainId=prod", nil).decode(t, &list)
		if len(list.Integrations) != 0 {
			t.Fatalf("integrations survived their canvas: %d", len(list.Integrations))
		}
	})

	t.Run("TokensNeverAtRest", func(t *testing.T) {
		files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
		for _, f := range files {
			b, _ := os.ReadFile(f)
			for _, tok := range []string{goodGitHubToken, weakGitHubToken, goodSemToken} {
				if bytes.Contains(b, []byte(tok)) {
					t.Errorf("%s holds a token in plaintext", filepath.Base(f))
				}
			}
		}
		for _, tok := range []string{goodGitHubToken, weakGitHubToken, goodSemToken} {
			if strings.Contains(e.logs.String(), tok) {
				t.Error("log holds a token")
			}
		}
	})
}

func TestIntegrationBadInput(t *testing.T) {
	e, _, _ := integrationEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "canvas-gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	org := api.DomainTypeOrganization
	cases := []struct {
		name     string
		body     any
		status   int
		contains string
	}{
		{"UnknownType", integrationBody(org, "", "x", "nope", "https://gitlab.com/acme", "gh", "token"), 400, "integration.spec.type"},
		{"GitHubURLWithoutOwner", integrationBody(org, "", "x", "github", "https://github.com/", "gh", "token"), 400, "integration.spec.url"},
		{"GitHubURLWithRepo", integrationBody(org, "", "x", "github", "https://github.com/acme/app", "gh", "token"), 400, "integration.spec.url"},
		{"SemaphoreURLWrongHost", integrationBody(org, "", "x", "semaphore", "https://semaphore.example.com", "gh", "token"), 400, "integration.spec.url"},
		{"PlainHTTP", integrationBody(org, "", "x", "github", "http://github.com/acme", "gh", "token"), 400, "integration.spec.url"},
		{"MissingSecret", integrationBody(org, "", "x", "github", "https://github.com/acme", "nope", "token"), 404, "nope"},
		{"MissingKey", integrationBody(org, "", "x", "github", "https://github.com/acme", "gh", "nokey"), 404, "nokey"},
		{"OrgIntegrationCanvasSecret", integrationBody(org, "", "x", "github", "https://github.com/acme", "canvas-gh", "token"), 404, "canvas-gh"},
		{"NoSpec", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"x"}}}`, 400, "integration.spec"},
		{"NoAuth", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"x"},"spec":{"type":"github","url":"https://github.com/acme"}}}`, 400, "integration.spec.auth"},
		{"OIDC", `{"domainType":"DOMAIN_TYPE_ORGANIZATION","integration":{"metadata":{"name":"x"},"spec":{"type":"github","url":"https://github.com/acme","auth":{"use":"AUTH_TYPE_OIDC"}}}}`, 400, "integration.spec.auth.use"},
		{"BadName", integrationBody(org, "", "a b", "github", "https://github.com/acme", "gh", "token"), 400, "integration.metadata.name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("owner", "POST", "/api/v1/integrations", tc.body)
			if r.status != tc.status || !strings.Contains(r.err.Message, tc.contains) {
				t.Fatalf("got %d %s; want %d mentioning %q", r.status, r.body, tc.status, tc.contains)
			}
		})
	}
	var list api.ListIntegrationsResponse
	e.do("owner", "GET", "/api/v1/integrations?domainType=DOMAIN_TYPE_ORGANIZATION", nil).decode(t, &list)
	if len(list.Integrations) != 0 {
		t.Fatalf("bad input created %d integrations", len(list.Integrations))
	}
	// Duplicate names are 409.
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(org, "", "gh1", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})
	expectError(t, e.do("owner", "POST", "/api/v1/integrations", integrationBody(org, "", "gh1", "github", "https://github.com/acme", "gh", "token")), 409, api.CodeAlreadyExists, "gh1")
	// A viewer may not verify (it writes the status).
	expectError(t, e.do("viewer", "POST", "/api/v1/integrations/gh1/verify?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 403, api.CodePermissionDenied, "viewer")
}
