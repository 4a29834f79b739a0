package server_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	fakeado "github.com/superplane/terraform-provider-superplane/internal/fake/azuredevops"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const goodAzureDevOpsPAT = "ado-server-test-pat-0123456789abcdef"

// azureDevOpsEnv is a server whose azure_devops integration "ado"
// (organization) verifies against a fake Azure DevOps organization acme
// with project Fabrikam.
func azureDevOpsEnv(t *testing.T) (*env, *fakeado.Server, api.Integration) {
	t.Helper()
	fake := fakeado.New(t)
	fake.AddOrganization("acme")
	fake.AddProject("acme", "Fabrikam")
	fake.AddPAT("acme", goodAzureDevOpsPAT, fakeado.PAT{User: "Dev"})
	tools := &integration.Verifier{AzureDevOpsAPIURL: fake.URL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, withTools(tools), withBaseURL("https://sp.example.com"))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "ado", map[string]string{"pat": goodAzureDevOpsPAT})).decode(t, &api.SecretResponse{})
	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "ado", "azure_devops", "https://dev.azure.com/acme", "ado", "pat")).decode(t, &in)
	return e, fake, *in.Integration
}

// TestAzureDevOpsIntegrationAndSource: an azure_devops integration is
// verified; an azure_devops source on a project gets one service hook
// subscription per event with its key in X-Superplane-Token; a delivery
// with that key is stored once (a retry names the same event id), one with
// a wrong or missing key is refused and not stored, and the key is not
// kept; a deleted subscription is repaired by refresh; the integration
// cannot be deleted while the source uses it; deleting the source removes
// the subscriptions.
func TestAzureDevOpsIntegrationAndSource(t *testing.T) {
	e, fake, in := azureDevOpsEnv(t)
	if in.Status == nil || in.Status.State != api.IntegrationStateOK {
		t.Fatalf("integration status = %+v", in.Status)
	}
	spec := api.EventSourceSpec{
		Type: "azure_devops", Integration: &api.IntegrationRef{Name: "ado"}, Resource: &api.ResourceRef{Name: "Fabrikam"},
		Events: []api.EventSourceEventType{{Type: "git.push"}, {Type: "ms.vss-pipelines.run-state-changed-event"}},
	}
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", spec)).decode(t, &created)
	es := created.EventSource
	if created.Key != "" || es.Spec.Resource.Type != "project" {
		t.Fatalf("created = %+v", created)
	}
	wantURL := "https://sp.example.com/api/v1/sources/" + es.Metadata.ID + "/azure_devops"
	subs := fake.Subscriptions("acme")
	if len(subs) != 2 || es.Status.Webhook.State != "ready" || es.Status.Webhook.URL != wantURL {
		t.Fatalf("subscriptions %+v, status %+v", subs, es.Status.Webhook)
	}
	key, ok := strings.CutPrefix(subs[0].ConsumerInputs["httpHeaders"], "X-Superplane-Token: ")
	if !ok || len(key) < 32 || subs[0].ConsumerInputs["url"] != wantURL {
		t.Fatalf("subscription inputs = %v", subs[0].ConsumerInputs)
	}

	path := "/api/v1/sources/" + es.Metadata.ID + "/azure_devops"
	body := []byte(`{"subscriptionId":"` + subs[0].ID + `","notificationId":1,"id":"6b5c4e7a-0000-4000-8000-000000000001","eventType":"git.push","publisherId":"tfs","resource":{"refUpdates":[{"name":"refs/heads/main"}]}}`)
	headers := map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Superplane-Token": key}
	for i := 0; i < 2; i++ {
		if status, resp := deliver(t, e, path, body, headers); status != 200 {
			t.Fatalf("push %d: %d %s", i, status, resp)
		}
	}
	headers["X-Superplane-Token"] = strings.Repeat("0", len(key))
	if status, _ := deliver(t, e, path, body, headers); status != 401 {
		t.Fatalf("wrong key: %d", status)
	}
	delete(headers, "X-Superplane-Token")
	if status, resp := deliver(t, e, path, body, headers); status != 401 || !strings.Contains(resp, "X-Superplane-Token") {
		t.Fatalf("missing key: %d %s", status, resp)
	}
	events := listEvents(t, e, "?sourceId="+es.Metadata.ID)
	if len(events.Events) != 1 || events.Events[0].Type != "git.push" {
		t.Fatalf("events: %+v", events.Events)
	}
	for k, v := range headersOf(events.Events[0]) {
		if strings.Contains(v, key) {
			t.Fatalf("the event kept the key in %s", k)
		}
	}

	// A subscription deleted in Azure DevOps: a check says so, refresh
	// repairs it.
	fake.RemoveSubscription("acme", subs[1].ID)
	var checked api.EventSourceResponse
	e.do("admin", "GET", "/api/v1/canvases/prod/event-sources/app?check=true", nil).decode(t, &checked)
	if checked.EventSource.Status.Webhook.Observed != api.HookObservedDrifted {
		t.Fatalf("check after a subscription was deleted: %+v", checked.EventSource.Status.Webhook)
	}
	var refreshed api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil).decode(t, &refreshed)
	if refreshed.EventSource.Status.Webhook.State != "repaired" || len(fake.Subscriptions("acme")) != 2 {
		t.Fatalf("after refresh: %+v, %d subscriptions", refreshed.EventSource.Status.Webhook, len(fake.Subscriptions("acme")))
	}

	// The integration cannot go while the source uses it.
	expectError(t, e.do("owner", "DELETE", "/api/v1/integrations/ado?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 409, api.CodeAlreadyExists, "app")

	e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/app", nil).decode(t, &api.Empty{})
	if n := len(fake.Subscriptions("acme")); n != 0 {
		t.Fatalf("%d subscriptions left after the source was deleted", n)
	}
}

// TestAzureDevOpsBadPAT: a refused PAT (401, or the 203 sign-in page)
// fails verification with Azure DevOps' reason and never the PAT; a
// malformed URL or project name is a 400 naming the field.
func TestAzureDevOpsBadPAT(t *testing.T) {
	e, fake, _ := azureDevOpsEnv(t)
	const badPAT = "ado-not-a-good-pat-0123456789"
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "bad", map[string]string{"pat": badPAT})).decode(t, &api.SecretResponse{})
	fake.SetSignInPage(true)
	var bad api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "bad", "azure_devops", "https://dev.azure.com/acme", "bad", "pat")).decode(t, &bad)
	if bad.Integration.Status == nil || bad.Integration.Status.State == api.IntegrationStateOK ||
		!strings.Contains(bad.Integration.Status.Reason, "sign-in page") || strings.Contains(bad.Integration.Status.Reason, badPAT) {
		t.Fatalf("status of a refused PAT = %+v", bad.Integration.Status)
	}
	expectError(t, e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "x", "azure_devops", "https://dev.azure.com/acme/Fabrikam", "ado", "pat")),
		400, api.CodeInvalidArgument, "has a path after the organization")
	spec := api.EventSourceSpec{Type: "azure_devops", Integration: &api.IntegrationRef{Name: "ado"}, Resource: &api.ResourceRef{Name: "a/b"}}
	expectError(t, e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("x", spec)), 400, api.CodeInvalidArgument, "resource.name")
}
