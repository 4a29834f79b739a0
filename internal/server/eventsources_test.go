package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/fake/github"
	"github.com/superplane/terraform-provider-superplane/internal/keyring"
	"github.com/superplane/terraform-provider-superplane/internal/sealer"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// deliver posts body to a receiver with the given headers and returns the
// status and body.
func deliver(t *testing.T, e *env, path string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.url+path, bytes.NewReader(body))
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func sourceBody(name string, spec api.EventSourceSpec) api.EventSourceRequest {
	return api.EventSourceRequest{EventSource: &api.EventSource{Metadata: &api.EventSourceMetadata{Name: name}, Spec: &spec}}
}

func listEvents(t *testing.T, e *env, query string) api.ListEventsResponse {
	t.Helper()
	var out api.ListEventsResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod/events"+query, nil).decode(t, &out)
	return out
}

func TestCustomWebhookSource(t *testing.T) {
	e := newEnv(t, withKeyGrace(time.Hour))
	createCanvas(t, e, "prod")
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{
		Type: "webhook",
		Events: []api.EventSourceEventType{{Type: "webhook", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}},
		}}},
	})).decode(t, &created)
	key := created.Key
	if len(key) < 64 || created.EventSource.Metadata.ID == "" {
		t.Fatalf("create must return a key of at least 32 bytes: %q", key)
	}
	id := created.EventSource.Metadata.ID
	if !strings.HasSuffix(created.EventSource.Status.Webhook.URL, "/api/v1/sources/"+id) {
		t.Fatalf("webhook url: %s", created.EventSource.Status.Webhook.URL)
	}
	// The key is never shown again.
	r := e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/hook", nil)
	if strings.Contains(string(r.body), key) {
		t.Fatal("describe shows the key")
	}

	path := "/api/v1/sources/" + id
	body := []byte(`{"ref":"refs/heads/main","n":1}`)
	status, resp := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json; charset=utf-8", "X-Signature-256": webhook.Sign([]byte(key), body), "Idempotency-Key": "d-1"})
	if status != 200 {
		t.Fatalf("signed delivery: %d %s", status, resp)
	}
	status, resp = deliver(t, e, path, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), body), "Idempotency-Key": "d-1"})
	if status != 200 || !strings.Contains(resp, `"duplicate":true`) {
		t.Fatalf("replay: %d %s", status, resp)
	}
	status, _ = deliver(t, e, path, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte("wrong"), body)})
	if status != 401 {
		t.Fatalf("bad signature: %d", status)
	}
	status, _ = deliver(t, e, "/api/v1/sources/00000000-0000-0000-0000-000000000001", body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), body)})
	// The same answer as a bad signature: ids cannot be probed.
	if status != 401 {
		t.Fatalf("unknown source: %d", status)
	}
	filtered := []byte(`{"ref":"refs/heads/dev"}`)
	deliver(t, e, path, filtered, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), filtered)})

	events := listEvents(t, e, "")
	if len(events.Events) != 2 {
		t.Fatalf("want 2 events (one deduplicated), got %d", len(events.Events))
	}
	if events.Events[0].State != api.EventStateRejected || events.Events[1].State != api.EventStatePending || payload(events.Events[1])["ref"] != "refs/heads/main" {
		t.Fatalf("events: %+v", events.Events)
	}
	var described api.EventSourceResponse
	e.do("viewer", "GET", "/api/v1/canvases/prod/event-sources/"+id, nil).decode(t, &described)
	if described.EventSource.Status.LastEvent == nil || described.EventSource.Status.LastEvent.ID != events.Events[0].ID {
		t.Fatalf("status.lastEvent: %+v", described.EventSource.Status.LastEvent)
	}

	// reset-key: the new key works at once and the old one during the grace period.
	var reset api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{}`).decode(t, &reset)
	if reset.Key == "" || reset.Key == key || reset.EventSource.Status.KeyVersion != 2 {
		t.Fatalf("reset-key: %q version %d", reset.Key, reset.EventSource.Status.KeyVersion)
	}
	for i, k := range []string{reset.Key, key} {
		b := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","after":%d}`, i))
		if status, resp := deliver(t, e, path, b, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(k), b)}); status != 200 {
			t.Fatalf("key %d after reset: %d %s", i, status, resp)
		}
	}

	// Paging: newest first, every event exactly once.
	page1 := listEvents(t, e, "?limit=2")
	if len(page1.Events) != 2 || !page1.HasNextPage {
		t.Fatalf("page 1: %d events, next %v", len(page1.Events), page1.HasNextPage)
	}
	last := page1.Events[1]
	page2 := listEvents(t, e, "?limit=2&before="+last.ReceivedAt.Format(time.RFC3339Nano)+"&beforeId="+last.ID)
	if len(page2.Events) != 2 || page2.HasNextPage || page2.Events[0].ID == last.ID {
		t.Fatalf("page 2: %+v", page2)
	}

	// Keys are sealed at rest.
	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(key)) || bytes.Contains(b, []byte(reset.Key)) {
			t.Errorf("%s holds a signing key in plaintext", filepath.Base(f))
		}
	}
	if strings.Contains(e.logs.String(), key) {
		t.Error("log holds a signing key")
	}

	e.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/hook", nil).decode(t, &api.Empty{})
	if status, _ := deliver(t, e, path, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(reset.Key), body)}); status != 401 {
		t.Fatalf("delivery to a deleted source: %d", status)
	}
}

func TestEventSourceGraceExpires(t *testing.T) {
	e := newEnv(t, withKeyGrace(0))
	createCanvas(t, e, "prod")
	var created, reset api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &created)
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{}`).decode(t, &reset)
	body := []byte(`{}`)
	status, _ := deliver(t, e, "/api/v1/sources/"+created.EventSource.Metadata.ID, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(created.Key), body)})
	if status != 401 {
		t.Fatalf("old key after its grace period: %d", status)
	}
}

func githubSourceEnv(t *testing.T) (*env, *github.Server) {
	gh := github.New(t)
	gh.AddOwner("acme", true)
	gh.AddToken(goodGitHubToken, "octocat", []string{"repo", "admin:repo_hook"})
	gh.AddRepo("acme", "app", "octocat")
	e := newEnv(t, withTools(fakeTools(gh.URL(), "")), withBaseURL("https://sp.example.com"))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeOrganization, "", "gh", map[string]string{"token": goodGitHubToken})).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/integrations", integrationBody(api.DomainTypeOrganization, "", "github", "github", "https://github.com/acme", "gh", "token")).decode(t, &api.IntegrationResponse{})
	return e, gh
}

func TestGitHubSource(t *testing.T) {
	e, gh := githubSourceEnv(t)
	spec := api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Type: "repository", Name: "app"},
		Events: []api.EventSourceEventType{{Type: "push"}, {Type: "pull_request"}},
	}
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", spec)).decode(t, &created)
	es := created.EventSource
	if created.Key != "" {
		t.Fatal("a GitHub source's key goes to GitHub, not to the client")
	}
	hooks := gh.Hooks("acme", "app")
	wantURL := "https://sp.example.com/api/v1/sources/" + es.Metadata.ID + "/github"
	if len(hooks) != 1 || hooks[0].URL != wantURL || hooks[0].ContentType != "json" || strings.Join(hooks[0].Events, ",") != "pull_request,push" || len(hooks[0].Secret) < 64 {
		t.Fatalf("hooks on GitHub: %+v", hooks)
	}
	if es.Status.Webhook.State != "ready" || es.Status.Webhook.URL != wantURL {
		t.Fatalf("status: %+v", es.Status.Webhook)
	}

	// A GitHub-shaped push signed with the hook's secret is stored once.
	push, err := os.ReadFile("../webhook/testdata/github_push.json")
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{
		"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/abc123", "X-GitHub-Event": "push",
		"X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958", "X-GitHub-Hook-ID": fmt.Sprint(hooks[0].ID),
		"X-Hub-Signature-256": webhook.Sign([]byte(hooks[0].Secret), push),
	}
	for i := 0; i < 2; i++ {
		if status, resp := deliver(t, e, "/api/v1/sources/"+es.Metadata.ID+"/github", push, headers); status != 200 {
			t.Fatalf("push %d: %d %s", i, status, resp)
		}
	}
	headers["X-Hub-Signature-256"] = "sha256=" + strings.Repeat("0", 64)
	if status, _ := deliver(t, e, "/api/v1/sources/"+es.Metadata.ID+"/github", push, headers); status != 401 {
		t.Fatalf("bad signature: %d", status)
	}
	events := listEvents(t, e, "?sourceId="+es.Metadata.ID)
	if len(events.Events) != 1 || events.Events[0].Type != "push" || headersOf(events.Events[0])["x-github-event"] != "push" {
		t.Fatalf("events: %+v", events.Events)
	}

	// A repeated create of the same source name is refused; the hook count stays.
	expectError(t, e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", spec)), 409, api.CodeAlreadyExists, "app")

	// The hook deleted on GitHub is repaired by POST .../refresh, and status says so.
	gh.RemoveHook("acme", "app", hooks[0].ID)
	var refreshed api.EventSourceResponse
	e.do("admin", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil).decode(t, &refreshed)
	if refreshed.EventSource.Status.Webhook.State != "repaired" || len(gh.Hooks("acme", "app")) != 1 {
		t.Fatalf("after deleting the hook on GitHub: %+v, %d hooks", refreshed.EventSource.Status.Webhook, len(gh.Hooks("acme", "app")))
	}

	// The integration cannot go while the source uses it.
	expectError(t, e.do("owner", "DELETE", "/api/v1/integrations/github?domainType=DOMAIN_TYPE_ORGANIZATION", nil), 409, api.CodeAlreadyExists, "app")

	// A new description or filter, with the hook in place, touches nothing
	// on GitHub and leaves status as it was (checked_at included), so a
	// Terraform plan can show it unchanged.
	before := len(gh.Requests())
	editedSpec := spec
	editedSpec.Events = []api.EventSourceEventType{{Type: "push", Filters: []api.Filter{{Type: api.FilterTypeData,
		Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}}}}, {Type: "pull_request"}}
	edited := api.EventSourceRequest{EventSource: &api.EventSource{
		Metadata: &api.EventSourceMetadata{Description: "edited"}, Spec: &editedSpec}}
	var desc api.EventSourceResponse
	e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/app", edited).decode(t, &desc)
	if got, want := desc.EventSource.Status.Webhook, refreshed.EventSource.Status.Webhook; got.State != want.State ||
		got.Reason != want.Reason || !got.CheckedAt.Equal(*want.CheckedAt) || desc.EventSource.Metadata.Description != "edited" {
		t.Fatalf("after a description update: status %+v, want %+v", got, want)
	}
	if n := len(gh.Requests()) - before; n != 0 {
		t.Fatalf("a description update made %d requests to GitHub: %v", n, gh.Requests()[before:])
	}

	// Update to one event edits the hook.
	spec.Events = []api.EventSourceEventType{{Type: "push"}}
	e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/app", sourceBody("", spec)).decode(t, &api.EventSourceResponse{})
	if h := gh.Hooks("acme", "app"); len(h) != 1 || strings.Join(h[0].Events, ",") != "push" {
		t.Fatalf("after update: %+v", h)
	}

	// Deleting the canvas removes its hooks from GitHub.
	e.do("owner", "DELETE", "/api/v1/canvases/prod", nil).decode(t, &api.Empty{})
	if n := len(gh.Hooks("acme", "app")); n != 0 {
		t.Fatalf("%d hooks left on GitHub after the canvas was deleted", n)
	}
}

func TestGitHubSourceProvisioningFailure(t *testing.T) {
	e, gh := githubSourceEnv(t)
	// No such repository: the source is kept, status names GitHub's reason,
	// and the reconciler does not retry before the backoff.
	var created api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("ghost", api.EventSourceSpec{
		Type: "github", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "ghost"},
	})).decode(t, &created)
	st := created.EventSource.Status.Webhook
	if st.State != "failed" || !strings.Contains(st.Reason, "acme/ghost") {
		t.Fatalf("status: %+v", st)
	}
	// Once the repository exists, a refresh provisions it.
	gh.AddRepo("acme", "ghost", "octocat")
	var refreshed api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/ghost/refresh", nil).decode(t, &refreshed)
	if refreshed.EventSource.Status.Webhook.State != "ready" || len(gh.Hooks("acme", "ghost")) != 1 {
		t.Fatalf("after the repository appeared: %+v", refreshed.EventSource.Status.Webhook)
	}
}

func TestEventSourceBadInput(t *testing.T) {
	e, _ := githubSourceEnv(t)
	cases := []struct {
		name     string
		body     any
		status   int
		contains string
	}{
		{"NoType", sourceBody("x", api.EventSourceSpec{}), 400, "eventSource.spec.type is required: webhook, github, semaphore, gitlab, bitbucket, azure_devops, datadog, manual or scheduled"},
		{"UnknownType", sourceBody("x", api.EventSourceSpec{Type: "carrier-pigeon"}), 400,
			`eventSource.spec.type "carrier-pigeon" is not one of webhook, github, semaphore, gitlab, bitbucket, azure_devops, datadog, manual, scheduled`},
		{"GitHubWithoutIntegration", sourceBody("x", api.EventSourceSpec{Type: "github", Resource: &api.ResourceRef{Name: "app"}}), 400, "eventSource.spec.integration"},
		{"GitHubWithoutResource", sourceBody("x", api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "github"}}), 400, "eventSource.spec.resource"},
		{"MissingIntegration", sourceBody("x", api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "nope"}, Resource: &api.ResourceRef{Name: "app"}}), 404, "nope"},
		{"WrongIntegrationType", sourceBody("x", api.EventSourceSpec{Type: "semaphore", Integration: &api.IntegrationRef{Name: "github"}, Resource: &api.ResourceRef{Name: "app"}}), 400, "eventSource.spec.integration"},
		{"BadExpression", sourceBody("x", api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "push", Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref =="}}}}}}), 400, "eventSource.spec.events[0].filters[0].data.expression"},
		{"DuplicateEventType", sourceBody("x", api.EventSourceSpec{Type: "webhook", Events: []api.EventSourceEventType{{Type: "push"}, {Type: "push"}}}), 400, "eventSource.spec.events[1].type"},
		{"ScheduledWithoutSchedule", sourceBody("x", api.EventSourceSpec{Type: "scheduled"}), 400, "eventSource.spec.schedule"},
		{"BadDailyTime", sourceBody("x", api.EventSourceSpec{Type: "scheduled", Schedule: &api.EventSourceSchedule{Type: api.ScheduleTypeDaily, Daily: &api.DailySchedule{Time: "25:00"}}}), 400, "eventSource.spec.schedule.daily.time"},
		{"BadWeekDay", sourceBody("x", api.EventSourceSpec{Type: "scheduled", Schedule: &api.EventSourceSchedule{Type: api.ScheduleTypeWeekly, Weekly: &api.WeeklySchedule{WeekDay: "FUNDAY", Time: "10:00"}}}), 400, "weekDay"},
		{"BadName", sourceBody("a b", api.EventSourceSpec{Type: "webhook"}), 400, "eventSource.metadata.name"},
		{"MissingCanvas", nil, 404, "nowhere"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/api/v1/canvases/prod/event-sources"
			if tc.body == nil {
				path = "/api/v1/canvases/nowhere/event-sources"
				tc.body = sourceBody("x", api.EventSourceSpec{Type: "webhook"})
			}
			r := e.do("owner", "POST", path, tc.body)
			if r.status != tc.status || !strings.Contains(r.err.Message, tc.contains) {
				t.Fatalf("got %d %s; want %d mentioning %q", r.status, r.body, tc.status, tc.contains)
			}
		})
	}
	// A scheduled source and a manual one are fine; manual events can be posted.
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("nightly", api.EventSourceSpec{Type: "scheduled", Schedule: &api.EventSourceSchedule{Type: api.ScheduleTypeDaily, Daily: &api.DailySchedule{Time: "02:30"}}})).decode(t, &api.EventSourceResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual"})).decode(t, &api.EventSourceResponse{})
	var posted struct{ Event api.Event }
	e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"button","type":"deploy","raw":{"version":"1.2.3"}}`).decode(t, &posted)
	if posted.Event.Type != "deploy" || payload(posted.Event)["version"] != "1.2.3" {
		t.Fatalf("manual event: %+v", posted.Event)
	}
	expectError(t, e.do("owner", "POST", "/api/v1/canvases/prod/events", `{"sourceId":"nightly","raw":{}}`), 400, api.CodeInvalidArgument, "manual")
	var list api.ListEventSourcesResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/event-sources", nil).decode(t, &list)
	if len(list.EventSources) != 2 {
		b, _ := json.Marshal(list)
		t.Fatalf("bad input created sources: %s", b)
	}
}

// TestKeyRotationCoversEventSources: after keys rotate, a source's signing
// key (and its previous key in the grace period) opens under the new key
// alone, so removing the old key loses no source.
func TestKeyRotationCoversEventSources(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	var first, reset api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &first)
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{}`).decode(t, &reset)
	newKey, err := keyring.PrependNewKey(e.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sealer.RotateKeys(context.Background(), e.store, sealer.New(e.keys), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	left, err := e.store.EventSourcesNotUnderKey(context.Background(), newKey, 10)
	if err != nil || len(left) != 0 {
		t.Fatalf("%d sources still under an old key (%v)", len(left), err)
	}
	keepOnlyActiveKey(t, e)
	acceptsSignedWith(t, e, first.EventSource.Metadata.ID, reset.Key, first.Key)
}

// TestResetKeyAfterANewKeyKeepsThePreviousOne: a reset-key after a new
// key-encryption key became active, and before keys rotate, leaves the
// previous signing key under the new key too, so removing the old
// key-encryption key once rotate has run does not end the previous key's
// grace: a delivery signed with it is still accepted.
func TestResetKeyAfterANewKeyKeepsThePreviousOne(t *testing.T) {
	e := newEnv(t)
	createCanvas(t, e, "prod")
	var first, reset api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &first)
	if _, err := keyring.PrependNewKey(e.keyFile); err != nil {
		t.Fatal(err)
	}
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/hook/reset-key", `{}`).decode(t, &reset)
	if _, err := sealer.RotateKeys(context.Background(), e.store, sealer.New(e.keys), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	keepOnlyActiveKey(t, e)
	acceptsSignedWith(t, e, first.EventSource.Metadata.ID, reset.Key, first.Key)
}

// keepOnlyActiveKey leaves the key file with its first (active) key alone:
// the old key removed, which the running server reloads.
func keepOnlyActiveKey(t *testing.T, e *env) {
	t.Helper()
	b, err := os.ReadFile(e.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	only := strings.FieldsFunc(string(b), func(r rune) bool { return r == ',' || r == '\n' || r == ' ' })[0]
	if err := os.WriteFile(e.keyFile, []byte(only+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// acceptsSignedWith delivers to the source one body signed with each of
// keys (its new key, then its previous one) and fails unless each is accepted.
func acceptsSignedWith(t *testing.T, e *env, sourceID string, keys ...string) {
	t.Helper()
	for i, key := range keys {
		body := []byte(fmt.Sprintf(`{"n":%d}`, i))
		if status, resp := deliver(t, e, "/api/v1/sources/"+sourceID, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(key), body)}); status != 200 {
			t.Fatalf("key %d of %d with the old key-encryption key removed: %d %s", i, len(keys), status, resp)
		}
	}
}

// TestGitHubSourceMoveWhenHookCannotBeRemoved: moving a source to another
// repository removes the old hook first; when GitHub refuses, the source
// stays where it was (503 naming GitHub's reason), unless ?force=true:
// then it moves and the old hook is left on GitHub, as a forced delete
// leaves it.
func TestGitHubSourceMoveWhenHookCannotBeRemoved(t *testing.T) {
	e, gh := githubSourceEnv(t)
	gh.AddRepo("acme", "other", "octocat")
	spec := api.EventSourceSpec{Type: "github", Integration: &api.IntegrationRef{Name: "github"},
		Resource: &api.ResourceRef{Type: "repository", Name: "app"}}
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("app", spec)).decode(t, &api.EventSourceResponse{})
	if n := len(gh.Hooks("acme", "app")); n != 1 {
		t.Fatalf("%d hooks on app, want 1", n)
	}
	// The token goes bad: GitHub refuses to remove the hook.
	e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"token":"ghp_revoked"}}}}}`).decode(t, &api.SecretResponse{})

	moved := spec
	moved.Resource = &api.ResourceRef{Type: "repository", Name: "other"}
	expectError(t, e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/app", sourceBody("", moved)), 503, api.CodeUnavailable, "Bad credentials")
	var got api.EventSourceResponse
	e.do("owner", "GET", "/api/v1/canvases/prod/event-sources/app", nil).decode(t, &got)
	if got.EventSource.Spec.Resource.Name != "app" {
		t.Fatalf("a refused move changed the source: resource %+v", got.EventSource.Spec.Resource)
	}

	e.do("owner", "PATCH", "/api/v1/canvases/prod/event-sources/app?force=true", sourceBody("", moved)).decode(t, &got)
	if got.EventSource.Spec.Resource.Name != "other" {
		t.Fatalf("a forced move: resource %+v, want other", got.EventSource.Spec.Resource)
	}
	if n := len(gh.Hooks("acme", "app")); n != 1 {
		t.Errorf("%d hooks left on app, want the old one left behind", n)
	}
	// The new hook cannot be made with the bad token either: status says
	// so, and the next refresh once the token works makes it.
	if st := got.EventSource.Status.Webhook; st.State != "failed" {
		t.Errorf("status after the forced move: %+v, want failed", st)
	}
	e.do("owner", "PATCH", "/api/v1/secrets/gh?domainType=DOMAIN_TYPE_ORGANIZATION", `{"secret":{"spec":{"local":{"data":{"token":"`+goodGitHubToken+`"}}}}}`).decode(t, &api.SecretResponse{})
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources/app/refresh", nil).decode(t, &got)
	if n := len(gh.Hooks("acme", "other")); n != 1 || got.EventSource.Status.Webhook.State == "failed" {
		t.Errorf("after the token was fixed: %d hooks on other, status %+v", n, got.EventSource.Status.Webhook)
	}
}

// payload is e's payload decoded, as the tests read it before the API
// passed payloads through as stored (nil if it does not decode).
func payload(e api.Event) map[string]any {
	m, _ := e.RawObject()
	return m
}

// headersOf is e's headers decoded (nil if they do not decode).
func headersOf(e api.Event) map[string]string {
	h, _ := e.HeaderMap()
	return h
}
