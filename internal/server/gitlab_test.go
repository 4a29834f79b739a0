package server_test

import (
	"strings"
	"testing"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/gitlab"
	"github.com/superplane/terraform-provider-superplane/internal/integration"
	"github.com/superplane/terraform-provider-superplane/internal/outbound"
)

const goodGitLabToken = "glpat-server-test-token-0123"

// gitlabSourceEnv is a server whose gitlab integration "gitlab" (organization)
// verifies against a fake GitLab where the token's user maintains acme/app.
func gitlabSourceEnv(t *testing.T) (*env, *gitlab.Server, api.Integration) {
	t.Helper()
	gl := gitlab.New(t)
	gl.AddToken(goodGitLabToken, "dev")
	gl.AddProject("acme/app")
	gl.Grant("acme/app", "dev", gitlab.AccessMaintainer)
	tools := &integration.Verifier{GitLabAPIURL: gl.APIURL(), Client: outbound.New(outbound.Config{AllowedNetworks: fakesAllowed})}
	e := newEnv(t, withTools(tools), withBaseURL("https://sp.example.com"))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gl", map[string]string{"token": goodGitLabToken})).decode(t, &api.SecretResponse{})
	var in api.IntegrationResponse
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "gitlab", "gitlab", "https://gitlab.example.com", "gl", "token")).decode(t, &in)
	return e, gl, *in.Integration
}

// TestGitLabIntegrationAndSource: a gitlab integration is verified against
// GitLab; a gitlab source on a project path gets one project hook with its
// key as the secret token; a delivery with that token is stored (once, by
// its Idempotency-Key), one with a wrong or missing token is refused and
// not stored; a deleted hook is repaired by refresh; deleting the source
// removes the hook.
func TestGitLabIntegrationAndSource(t *testing.T) {
	e, gl, in := gitlabSourceEnv(t)
	if in.Status == nil || in.Status.State != api.IntegrationStateOK {
		t.Fatalf("integration status = %+v", in.Status)
	}
	spec := api.EventSourceSpec{
		Type: "gitlab", Integration: &api.IntegrationRef{Name: "gitlab"}, Resource: &api.ResourceRef{Name: "acme/app"},
		Events: []api.EventSourceEventType{{Type: "push"}, {Type: "merge_request"}},
	}
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", spec)).decode(t, &created)
	es := created.EventSource
	if created.Key != "" || es.Spec.Resource.Type != "project" {
		t.Fatalf("created = %+v", created)
	}
	wantURL := "https://sp.example.com/api/v1/sources/" + es.Metadata.ID + "/gitlab"
	hooks := gl.Hooks("acme/app")
	if len(hooks) != 1 || hooks[0].URL != wantURL || len(hooks[0].Token) != 64 ||
		!hooks[0].Events["push_events"] || !hooks[0].Events["merge_requests_events"] || hooks[0].Events["pipeline_events"] {
		t.Fatalf("hooks on GitLab: %+v", hooks)
	}
	if es.Status.Webhook.State != "ready" || es.Status.Webhook.URL != wantURL {
		t.Fatalf("status: %+v", es.Status.Webhook)
	}

	path := "/api/v1/sources/" + es.Metadata.ID + "/gitlab"
	body := []byte(`{"object_kind":"push","ref":"refs/heads/main"}`)
	headers := map[string]string{
		"Content-Type": "application/json", "User-Agent": "GitLab/17.6.0", "X-Gitlab-Event": "Push Hook",
		"X-Gitlab-Event-UUID": "6b5c4e7a-0000-4000-8000-000000000001", "Idempotency-Key": "0d7a1c4e-0000-4000-8000-000000000002",
		"X-Gitlab-Token": hooks[0].Token,
	}
	for i := 0; i < 2; i++ {
		if status, resp := deliver(t, e, path, body, headers); status != 200 {
			t.Fatalf("push %d: %d %s", i, status, resp)
		}
	}
	headers["X-Gitlab-Token"] = strings.Repeat("0", 64)
	if status, _ := deliver(t, e, path, body, headers); status != 401 {
		t.Fatalf("wrong token: %d", status)
	}
	delete(headers, "X-Gitlab-Token")
	if status, resp := deliver(t, e, path, body, headers); status != 401 || !strings.Contains(resp, "X-Gitlab-Token") {
		t.Fatalf("missing token: %d %s", status, resp)
	}
	events := listEvents(t, e, "?sourceId="+es.Metadata.ID)
	if len(events.Events) != 1 || events.Events[0].Type != "push" || headersOf(events.Events[0])["x-gitlab-event"] != "Push Hook" {
		t.Fatalf("events: %+v", events.Events)
	}
	if _, kept := headersOf(events.Events[0])["x-gitlab-token"]; kept {
		t.Fatal("the event kept X-Gitlab-Token")
	}

	// The hook deleted on GitLab: a check says so, refresh repairs it.
	gl.RemoveHook("acme/app", hooks[0].ID)
	var checked api.EventSourceResponse
	e.do("admin", "GET", "/api/v1/canvases/prod/event-sources/app?check=true", nil).decode(t, &checked)
	if checked.EventSource.Status.Webhook.Observed != api.HookObservedMissing {
		t.Fatalf("check after the hook was deleted: %+v", checked.EventSource.Status.Webhook)
	}
	var refreshed api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil).decode(t, &refreshed)
	if refreshed.EventSource.Status.Webhook.State != "repaired" || len(gl.Hooks("acme/app")) != 1 {
		t.Fatalf("after refresh: %+v, %d hooks", refreshed.EventSource.Status.Webhook, len(gl.Hooks("acme/app")))
	}

	// The integration cannot go while the source uses it.
	expectError(t, e.do("owner", "DELETE", "/api/v1/integrations/gitlab?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 409, api.CodeAlreadyExists, "app")

	e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/app", nil).decode(t, &api.Empty{})
	if n := len(gl.Hooks("acme/app")); n != 0 {
		t.Fatalf("%d hooks left on GitLab after the source was deleted", n)
	}
}

// TestGitLabBadInput: a bad token fails verification with GitLab's reason
// and no token; a project path is refused for other types and a malformed
// one for gitlab, each a 400 naming the field.
func TestGitLabBadInput(t *testing.T) {
	e, _, _ := gitlabSourceEnv(t)
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "bad", map[string]string{"token": "glpat-not-a-good-token"})).decode(t, &api.SecretResponse{})
	var bad api.IntegrationResponse
	r := e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "bad", "gitlab", "https://gitlab.example.com", "bad", "token"))
	r.decode(t, &bad)
	if st := bad.Integration.Status; st == nil || st.State == api.IntegrationStateOK || !strings.Contains(st.Reason, "401 Unauthorized") || strings.Contains(st.Reason, "glpat-not-a-good-token") {
		t.Fatalf("bad token status = %+v", st)
	}
	expectError(t, e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "grp", "gitlab", "https://gitlab.com/acme", "gl", "token")),
		400, api.CodeInvalidArgument, "integration.spec.url must not have a path on gitlab.com")
	for _, c := range []struct{ name, want string }{
		{"acme/../app", "eventSource.spec.resource.name \"acme/../app\" must be a GitLab project id or path"},
		{"acme//app", "eventSource.spec.resource.name"},
	} {
		spec := api.EventSourceSpec{Type: "gitlab", Integration: &api.IntegrationRef{Name: "gitlab"}, Resource: &api.ResourceRef{Name: c.name}}
		expectError(t, e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("x", spec)), 400, api.CodeInvalidArgument, c.want)
	}
	// An event GitLab has no hook for is recorded as the hook's failure.
	var odd api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("odd", api.EventSourceSpec{Type: "gitlab",
		Integration: &api.IntegrationRef{Name: "gitlab"}, Resource: &api.ResourceRef{Name: "acme/app"},
		Events: []api.EventSourceEventType{{Type: "pull_request"}}})).decode(t, &odd)
	if w := odd.EventSource.Status.Webhook; w.State != "failed" || !strings.Contains(w.Reason, `GitLab has no webhook event "pull_request"`) {
		t.Fatalf("status of a source with an unknown GitLab event: %+v", w)
	}
}
