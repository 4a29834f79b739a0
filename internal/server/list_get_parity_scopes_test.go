package server_test

import (
	"net/url"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

// TestListEntriesAreTheirGetToo: integrations (one verified, one failing
// its verification, in both domains), connection groups and canvases are
// listed as their GETs answer them, so the provider's refresh may read
// them from one list per scope (internal/client/listreads_scopes.go).
func TestListEntriesAreTheirGetToo(t *testing.T) {
	e, _, _ := integrationEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "weak", map[string]string{"token": weakGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "sem", map[string]string{"token": goodSemToken})).decode(t, &api.SecretResponse{})
	for _, body := range []api.CreateIntegrationRequest{
		integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/acme", "gh", "token"),
		integrationBody(api.DomainTypeOrganization, "", "github-weak", "github", "https://github.com/acme", "weak", "token"),
		integrationBody(api.DomainTypeCanvas, "prod", "semaphore", "semaphore", "https://acme.semaphoreci.com", "sem", "token"),
		integrationBody(api.DomainTypeCanvas, "prod", "semaphore-2", "semaphore", "https://acme.semaphoreci.com", "sem", "token"),
	} {
		e.do("owner", "POST", "/api/v1/integrations", body).decode(t, &api.IntegrationResponse{})
	}
	c, _ := groupCanvas(t, e, "groups")
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair", pairSpec)).decode(t, &api.ConnectionGroupResponse{})
	e.do("owner", "POST", c+"/connection-groups", groupBody("pair-2", pairSpec)).decode(t, &api.ConnectionGroupResponse{})

	var me api.Me
	e.do("viewer", "GET", "/api/v1/me", nil).decode(t, &me)
	var canvas api.CanvasResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod", nil).decode(t, &canvas)
	for scope, q := range map[string]string{
		"organization": "domainType=" + api.DomainTypeOrganization + "&domainId=" + me.OrganizationID,
		"canvas":       "domainType=" + api.DomainTypeCanvas + "&domainId=" + canvas.Canvas.Metadata.ID,
	} {
		compareListWithGets(t, e, "integrations in the "+scope, "/api/v1/integrations?"+q, "integrations", "integration",
			func(id string) string { return "/api/v1/integrations/" + url.PathEscape(id) + "?" + q })
	}
	compareListWithGets(t, e, "connection groups", c+"/connection-groups", "connectionGroups", "connectionGroup",
		func(id string) string { return c + "/connection-groups/" + id })
	compareListWithGets(t, e, "canvases", "/api/v1/canvases", "canvases", "canvas",
		func(id string) string { return "/api/v1/canvases/" + id })
}
