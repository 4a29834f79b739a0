package server_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
)

// hookCheckEnv is githubSourceEnv with server options, and a github source
// "app" on acme/app whose hook was provisioned.
func hookCheckEnv(t *testing.T, opts ...envOption) (*env, *github.Server, api.EventSource) {
	t.Helper()
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook"})
	gh.AddRepo("acme", "app", "octocat")
	opts = append([]envOption{withTools(fakeTools(gh.URL(), "")), withBaseURL("https://sp.example.com")}, opts...)
	e := newEnv(t, opts...)
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "app"},
	})).decode(t, &created)
	if created.EventSource.Status.Webhook.State != "ready" || len(gh.Hooks("acme", "app")) != 1 {
		t.Fatalf("provisioning: %+v", created.EventSource.Status.Webhook)
	}
	return e, gh, *created.EventSource
}

// getSource answers GET .../event-sources/app+query as who.
func getSource(t *testing.T, e *env, who, query string) api.EventSource {
	t.Helper()
	var out api.EventSourceResponse
	e.do(who, "GET", "/api/v1/canvases/prod/event-sources/app"+query, nil).decode(t, &out)
	return *out.EventSource
}

// recorded is what the database holds about a source's hook and its last
// change, as a plain GET shows it.
func recorded(t *testing.T, e *env) string {
	t.Helper()
	es := getSource(t, e, "owner", "")
	b, _ := json.Marshal([]any{es.Status.Webhook, es.Metadata.UpdatedAt})
	return string(b)
}

// writesSince returns the requests to the fake GitHub after the first n
// that change something (anything but GET).
func writesSince(gh *github.Server, n int) []string {
	var out []string
	for _, r := range gh.Requests()[n:] {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

// TestViewerHookCheckMakesNoCall: a viewer's GET ?refresh=true (the
// provider's old refresh) and ?check=true are refused before any call to
// the tool, and the refusal names the route that repairs. A plain GET works.
func TestViewerHookCheckMakesNoCall(t *testing.T) {
	e, gh, _ := hookCheckEnv(t)
	gh.RemoveHook("acme", "app", gh.Hooks("acme", "app")[0].ID)
	before, stored := len(gh.Requests()), recorded(t, e)
	for _, q := range []string{"?refresh=true", "?check=true", "?check=true&refresh=true"} {
		expectError(t, e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/app"+q, nil), 403, api.CodePermissionDenied,
			"POST /api/v1/canvases/prod/event-sources/app/refresh")
	}
	if es := getSource(t, e, "viewer", ""); es.Status.Webhook.State != "ready" || es.Status.Webhook.Observed != "" {
		t.Fatalf("viewer's plain GET: %+v", es.Status.Webhook)
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Fatalf("viewer reads made %d requests to GitHub: %v", n, gh.Requests()[before:])
	}
	if len(gh.Hooks("acme", "app")) != 0 || recorded(t, e) != stored {
		t.Fatal("a viewer's read repaired the hook or changed the source")
	}
}

// TestHookCheckIsReadOnly: an admin's check reports what GitHub holds
// (missing, drifted, ok) in status.webhook.observed, and neither writes the
// database nor changes anything on GitHub.
func TestHookCheckIsReadOnly(t *testing.T) {
	e, gh, _ := hookCheckEnv(t, withHookCheckInterval(0))
	if es := getSource(t, e, "admin", "?check=true"); es.Status.Webhook.Observed != "ok" || es.Status.Webhook.ObservedAt == nil {
		t.Fatalf("check of a provisioned hook: %+v", es.Status.Webhook)
	}
	gh.RemoveHook("acme", "app", gh.Hooks("acme", "app")[0].ID)
	before, stored := len(gh.Requests()), recorded(t, e)
	for _, who := range []string{"admin", "owner"} {
		for _, q := range []string{"?check=true", "?refresh=true"} {
			wh := getSource(t, e, who, q).Status.Webhook
			if wh.Observed != "missing" || !strings.Contains(wh.ObservedReason, "acme/app") || wh.State != "ready" {
				t.Fatalf("%s %s after the hook was deleted on GitHub: %+v", who, q, wh)
			}
		}
	}
	if w := writesSince(gh, before); len(w) != 0 || len(gh.Hooks("acme", "app")) != 0 {
		t.Fatalf("checks changed GitHub: %v, %d hooks", w, len(gh.Hooks("acme", "app")))
	}
	if len(gh.Requests()) == before {
		t.Fatal("the checks never asked GitHub")
	}
	if got := recorded(t, e); got != stored {
		t.Fatalf("checks wrote the source:\nbefore %s\nafter  %s", stored, got)
	}
}

// TestHookCheckRateLimit: within the interval a check answers the last
// observation without a call; a source in the reconciler's backoff is not
// checked at all.
func TestHookCheckRateLimit(t *testing.T) {
	e, gh, _ := hookCheckEnv(t, withHookCheckInterval(time.Hour))
	first := getSource(t, e, "admin", "?check=true").Status.Webhook
	if first.Observed != "ok" {
		t.Fatalf("first check: %+v", first)
	}
	gh.RemoveHook("acme", "app", gh.Hooks("acme", "app")[0].ID)
	before := len(gh.Requests())
	for i := 0; i < 5; i++ {
		again := getSource(t, e, "owner", "?refresh=true").Status.Webhook
		if again.Observed != "ok" || !again.ObservedAt.Equal(*first.ObservedAt) {
			t.Fatalf("check %d within the interval: %+v, want the first observation", i, again)
		}
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Fatalf("throttled checks made %d requests to GitHub", n)
	}
	// A repair is a new provisioning: the next check looks again.
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil).decode(t, &api.EventSourceResponse{})
	before = len(gh.Requests())
	if wh := getSource(t, e, "admin", "?check=true").Status.Webhook; wh.Observed != "ok" || len(gh.Requests()) == before {
		t.Fatalf("check after a repair: %+v (%d calls)", wh, len(gh.Requests())-before)
	}

	// A source whose provisioning failed is in backoff: no call at all.
	var ghost api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("ghost", api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "ghost"},
	})).decode(t, &ghost)
	if ghost.EventSource.Status.Webhook.State != "failed" {
		t.Fatalf("ghost: %+v", ghost.EventSource.Status.Webhook)
	}
	before = len(gh.Requests())
	var got api.EventSourceResponse
	e.do("admin", "GET", "/api/v1/canvases/prod/event-sources/ghost?check=true", nil).decode(t, &got)
	wh := got.EventSource.Status.Webhook
	if wh.Observed != "" || wh.State != "failed" || !strings.Contains(wh.ObservedReason, "not checked") {
		t.Fatalf("check in backoff: %+v", wh)
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Fatalf("a check in backoff made %d requests to GitHub", n)
	}
}

// TestPostRefreshRepairs: POST .../refresh provisions like the old GET
// ?refresh=true did, and records it; a viewer is refused and nothing
// happens.
func TestPostRefreshRepairs(t *testing.T) {
	e, gh, es := hookCheckEnv(t, withHookCheckInterval(0))
	gh.RemoveHook("acme", "app", gh.Hooks("acme", "app")[0].ID)
	before := len(gh.Requests())
	expectError(t, e.do("viewer", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil), 403, api.CodePermissionDenied, "viewer")
	if n := len(gh.Requests()) - before; n != 0 || len(gh.Hooks("acme", "app")) != 0 {
		t.Fatalf("a viewer's refresh made %d requests to GitHub", n)
	}

	var out api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/"+es.Metadata.ID+"/refresh", nil).decode(t, &out)
	wh := out.EventSource.Status.Webhook
	if wh.State != "repaired" || wh.Observed != "ok" || !strings.Contains(wh.Reason, "repaired") {
		t.Fatalf("refresh answer: %+v", wh)
	}
	if h := gh.Hooks("acme", "app"); len(h) != 1 || h[0].URL != es.Status.Webhook.URL {
		t.Fatalf("hooks after refresh: %+v", h)
	}
	if st := getSource(t, e, "viewer", "").Status.Webhook; st.State != "repaired" {
		t.Fatalf("recorded after refresh: %+v", st)
	}
	if wh := getSource(t, e, "admin", "?check=true").Status.Webhook; wh.Observed != "ok" {
		t.Fatalf("check after refresh: %+v", wh)
	}

	// A source without a hook has nothing to refresh.
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("plain", api.EventSourceSpec{Type: "webhook"})).decode(t, &api.EventSourceResponse{})
	expectError(t, e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/plain/refresh", nil), 400, api.CodeInvalidArgument, "webhook source")
}
