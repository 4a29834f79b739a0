package client

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
)

const (
	sourceID  = "66666666-6666-6666-6666-666666666666"
	sourceKey = "4b1d0c0ffee4b1d0c0ffee4b1d0c0ffee4b1d0c0ffee4b1d0c0ffee4b1d0c0ff"
)

// ghSourceParams is a GitHub source with one filtered event type.
var ghSourceParams = EventSourceParams{
	Name: "app", Description: "pushes to main",
	Spec: api.EventSourceSpec{
		Type:        api.EventSourceTypeGitHub,
		Integration: &api.IntegrationRef{Name: "github"},
		Resource:    &api.ResourceRef{Type: "repository", Name: "app"},
		Events: []api.EventSourceEventType{{Type: "push", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}},
		}}},
	},
}

// webhookParams is a custom webhook source without filters.
var webhookParams = EventSourceParams{Name: "hook", Spec: api.EventSourceSpec{Type: api.EventSourceTypeWebhook}}

// sourceBody is a server answer for a source built from p as this
// project's server stores it: the operator and empty lists filled in.
func sourceBody(p EventSourceParams, createdAt time.Time, keyVersion int64, key string) api.EventSourceResponse {
	es := p.eventSource()
	es.Metadata.ID = sourceID
	es.Metadata.CanvasID = canvasID
	es.Metadata.CreatedAt = &createdAt
	es.Spec.Events = normalEvents(es.Spec.Events)
	es.Status = &api.EventSourceStatus{KeyVersion: keyVersion, Webhook: &api.WebhookStatus{URL: "https://sp.example.com/api/v1/sources/" + sourceID}}
	return api.EventSourceResponse{EventSource: es, Key: key}
}

func TestEventSourceRequestShapes(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.Method == http.MethodDelete:
			writeJSON(w, 200, api.Empty{})
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/event-sources"):
			writeJSON(w, 200, api.ListEventSourcesResponse{EventSources: []api.EventSource{*sourceBody(ghSourceParams, time.Now(), 1, "").EventSource}})
		case strings.HasSuffix(r.URL.Path, "/events") && r.Method == http.MethodGet:
			writeJSON(w, 200, api.ListEventsResponse{Events: []api.Event{{ID: "e1", Type: "push"}}, HasNextPage: true})
		case strings.HasSuffix(r.URL.Path, "/events"):
			writeJSON(w, 200, map[string]any{"event": api.Event{ID: "e2", Type: "deploy"}})
		case strings.HasSuffix(r.URL.Path, "/reset-key"):
			writeJSON(w, 200, sourceBody(webhookParams, time.Now(), 2, sourceKey))
		default:
			writeJSON(w, 200, sourceBody(ghSourceParams, time.Now(), 1, ""))
		}
	})
	ctx := context.Background()

	es, key, err := c.CreateEventSource(ctx, "prod", ghSourceParams)
	if err != nil {
		t.Fatal(err)
	}
	if es.Metadata.ID != sourceID || key != "" {
		t.Errorf("create answer = %+v, key %q", es.Metadata, key)
	}
	if _, err := c.GetEventSource(ctx, "prod", "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CheckEventSource(ctx, canvasID, sourceID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RefreshEventSource(ctx, canvasID, sourceID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateEventSource(ctx, "prod", sourceID, EventSourceParams{Name: "app2", Spec: api.EventSourceSpec{Type: "webhook"}}); err != nil {
		t.Fatal(err)
	}
	_, key, err = c.ResetEventSourceKey(ctx, "prod", "hook")
	if err != nil || key != sourceKey {
		t.Fatalf("reset-key: key %q, err %v", key, err)
	}
	if err := c.DeleteEventSource(ctx, "prod", "app", false); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEventSource(ctx, "prod", "my app", true); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListEventSources(ctx, "prod")
	if err != nil || len(list) != 1 || list[0].Metadata.Name != "app" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	before := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	events, err := c.ListEvents(ctx, "prod", EventQuery{SourceID: "app", Limit: 2, Before: before, BeforeID: "e0", States: []string{api.EventStatePending, api.EventStateRejected}})
	if err != nil || len(events.Events) != 1 || !events.HasNextPage {
		t.Fatalf("events = %+v, %v", events, err)
	}
	ev, err := c.CreateEvent(ctx, "prod", "button", "deploy", map[string]any{"version": "1.2.3"})
	if err != nil || ev.ID != "e2" {
		t.Fatalf("create event = %+v, %v", ev, err)
	}

	var create, update, check, refresh, reset, listEvents, post seen
	var deletes []seen
	for _, r := range rec.requests() {
		switch {
		case r.Method == http.MethodPost && r.Path == "/api/v1/canvases/prod/event-sources":
			create = r
		case r.Method == http.MethodPatch:
			update = r
		case r.Method == http.MethodGet && r.RawQuery == "check=true":
			check = r
		case strings.HasSuffix(r.Path, "/refresh"):
			refresh = r
		case strings.HasSuffix(r.Path, "/reset-key"):
			reset = r
		case r.Method == http.MethodDelete:
			deletes = append(deletes, r)
		case r.Method == http.MethodGet && r.Path == "/api/v1/canvases/prod/events":
			listEvents = r
		case r.Method == http.MethodPost && r.Path == "/api/v1/canvases/prod/events":
			post = r
		}
	}

	md := field(t, create.Body, "eventSource", "metadata")
	if md["name"] != "app" || md["description"] != "pushes to main" {
		t.Errorf("create metadata = %v", md)
	}
	spec := field(t, create.Body, "eventSource", "spec")
	if spec["type"] != "github" || field(t, spec, "integration")["name"] != "github" || field(t, spec, "resource")["name"] != "app" {
		t.Errorf("create spec = %v", spec)
	}
	evs, _ := spec["events"].([]any)
	if len(evs) != 1 {
		t.Fatalf("create events = %v", spec["events"])
	}
	ev0, _ := evs[0].(map[string]any)
	filters, _ := ev0["filters"].([]any)
	if len(filters) != 1 {
		t.Fatalf("create filters = %v", ev0["filters"])
	}
	f0, _ := filters[0].(map[string]any)
	if f0["type"] != api.FilterTypeData || field(t, f0, "data")["expression"] != "$.ref == 'refs/heads/main'" {
		t.Errorf("create filter = %v", f0)
	}

	// A check is a GET; a repair is a POST of its own.
	if check.Path != "/api/v1/canvases/"+canvasID+"/event-sources/"+sourceID {
		t.Errorf("check path = %q", check.Path)
	}
	if refresh.Method != http.MethodPost || refresh.Path != "/api/v1/canvases/"+canvasID+"/event-sources/"+sourceID+"/refresh" || refresh.RawQuery != "" {
		t.Errorf("refresh = %s %s?%s", refresh.Method, refresh.Path, refresh.RawQuery)
	}
	// Update: the full replacement, events an empty list rather than null.
	if update.Path != "/api/v1/canvases/prod/event-sources/"+sourceID || field(t, update.Body, "eventSource", "metadata")["name"] != "app2" {
		t.Errorf("update = %s %v", update.Path, update.Body)
	}
	if ev, ok := field(t, update.Body, "eventSource", "spec")["events"].([]any); !ok || len(ev) != 0 {
		t.Errorf("update events = %v, want []", field(t, update.Body, "eventSource", "spec")["events"])
	}
	if reset.Method != http.MethodPost || reset.Path != "/api/v1/canvases/prod/event-sources/hook/reset-key" || reset.Body == nil {
		t.Errorf("reset-key = %s %s body %v", reset.Method, reset.Path, reset.Body)
	}
	if len(deletes) != 2 || deletes[0].RawQuery != "" || deletes[1].Path != "/api/v1/canvases/prod/event-sources/my app" || deletes[1].RawQuery != "force=true" {
		t.Errorf("deletes = %+v", deletes)
	}
	if listEvents.RawQuery != "before=2026-01-02T03%3A04%3A05.000000006Z&beforeId=e0&limit=2&sourceId=app&sourceType=EVENT_SOURCE_TYPE_EVENT_SOURCE&states=STATE_PENDING&states=STATE_REJECTED" {
		t.Errorf("list events query = %q", listEvents.RawQuery)
	}
	if post.Body["sourceId"] != "button" || post.Body["type"] != "deploy" || field(t, post.Body, "raw")["version"] != "1.2.3" {
		t.Errorf("create event body = %v", post.Body)
	}
}

func TestCreateWebhookSourceReturnsKey(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, sourceBody(webhookParams, time.Now(), 1, sourceKey))
	})
	_, key, err := c.CreateEventSource(context.Background(), "prod", webhookParams)
	if err != nil || key != sourceKey {
		t.Fatalf("key %q, err %v", key, err)
	}
}

func TestEventSourceErrors(t *testing.T) {
	cases := []struct {
		status, code       int
		msg                string
		notFound, conflict bool
	}{
		{404, api.CodeNotFound, `eventSource.spec.integration: integration "nope" not found`, true, false},
		{404, api.CodeNotFound, `canvas "nowhere" not found`, true, false},
		{409, api.CodeAlreadyExists, `event source "app" already exists`, false, true},
		{400, api.CodeInvalidArgument, "eventSource.spec.events[0].filters[0].data.expression: unexpected token", false, false},
	}
	for _, tc := range cases {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			writeError(w, tc.status, tc.code, tc.msg)
		})
		_, _, err := c.CreateEventSource(context.Background(), "prod", ghSourceParams)
		if IsNotFound(err) != tc.notFound || IsConflict(err) != tc.conflict {
			t.Errorf("%d %q: notFound=%v conflict=%v", tc.status, tc.msg, IsNotFound(err), IsConflict(err))
		}
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("err = %v, want the server's message %q", err, tc.msg)
		}
	}
}

func TestDeleteEventSourceHookNotRemovable(t *testing.T) {
	// The tool cannot be told: 503 with its reason, retried, then reported.
	const reason = `cannot remove the webhook of event source "app" from github: GitHub: Bad credentials (retry, or delete with ?force=true and remove the hook by hand)`
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeError(w, 503, api.CodeUnavailable, reason)
	})
	err := c.DeleteEventSource(context.Background(), "prod", "app", false)
	if err == nil || !strings.Contains(err.Error(), reason) {
		t.Fatalf("err = %v", err)
	}
	if n := rec.count(http.MethodDelete, "/api/v1/canvases/prod/event-sources/app"); n != 4 {
		t.Errorf("DELETEs = %d, want 4 (1 + 3 retries)", n)
	}
}

func TestResetKeyIsNotRetried(t *testing.T) {
	for name, fn := range map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"lost answer": func(w http.ResponseWriter, _ *http.Request, _ int) { dropConnection(t, w) },
		"503":         func(w http.ResponseWriter, _ *http.Request, _ int) { writeError(w, 503, api.CodeUnavailable, "busy") },
	} {
		t.Run(name, func(t *testing.T) {
			c, rec := newTestClient(t, fn)
			_, _, err := c.ResetEventSourceKey(context.Background(), "prod", "hook")
			if err == nil {
				t.Fatal("want an error")
			}
			if n := rec.count(http.MethodPost, "/api/v1/canvases/prod/event-sources/hook/reset-key"); n != 1 {
				t.Errorf("reset-key sent %d times, want 1: a second reset would end the old key's grace period", n)
			}
		})
	}
}

// sourceCreateServer processes the first create but loses its answer, then
// says the name is taken; GET returns the source built from p, created at
// createdAt with key version keyVersion; reset-key answers a new key.
func sourceCreateServer(t *testing.T, p EventSourceParams, createdAt time.Time, keyVersion int64) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/reset-key"):
			writeJSON(w, 200, sourceBody(p, createdAt, keyVersion+1, sourceKey))
		case r.Method == http.MethodPost && n == 1:
			dropConnection(t, w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, `event source "`+p.Name+`" already exists`)
		default:
			writeJSON(w, 200, sourceBody(p, createdAt, keyVersion, ""))
		}
	}
}

func TestRetriedEventSourceCreate(t *testing.T) {
	t.Run("own GitHub source", func(t *testing.T) {
		c, rec := newTestClient(t, sourceCreateServer(t, ghSourceParams, time.Now(), 1))
		es, key, err := c.CreateEventSource(context.Background(), "prod", ghSourceParams)
		if err != nil {
			t.Fatal(err)
		}
		if es.Metadata.ID != sourceID || key != "" {
			t.Errorf("id = %q, key %q", es.Metadata.ID, key)
		}
		if n := rec.count(http.MethodPost, "/api/v1/canvases/prod/event-sources/"+sourceID+"/reset-key"); n != 0 {
			t.Errorf("a GitHub source's key was reset %d times", n)
		}
	})
	t.Run("own webhook source gets a new key", func(t *testing.T) {
		c, rec := newTestClient(t, sourceCreateServer(t, webhookParams, time.Now(), 1))
		_, key, err := c.CreateEventSource(context.Background(), "prod", webhookParams)
		if err != nil {
			t.Fatal(err)
		}
		if key != sourceKey {
			t.Errorf("key = %q: the lost key cannot be recovered, so a new one is due", key)
		}
		if n := rec.count(http.MethodPost, "/api/v1/canvases/prod/event-sources/"+sourceID+"/reset-key"); n != 1 {
			t.Errorf("reset-key sent %d times, want 1", n)
		}
	})
	otherEvents, otherResource, otherDesc := ghSourceParams, ghSourceParams, ghSourceParams
	otherEvents.Spec.Events = []api.EventSourceEventType{{Type: "pull_request"}}
	otherResource.Spec.Resource = &api.ResourceRef{Name: "other"}
	otherDesc.Description = "someone else's"
	foreign := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"older":             sourceCreateServer(t, ghSourceParams, time.Now().Add(-time.Hour), 1),
		"key reset":         sourceCreateServer(t, ghSourceParams, time.Now(), 2),
		"other events":      sourceCreateServer(t, otherEvents, time.Now(), 1),
		"other resource":    sourceCreateServer(t, otherResource, time.Now(), 1),
		"other description": sourceCreateServer(t, otherDesc, time.Now(), 1),
	}
	for name, fn := range foreign {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			_, _, err := c.CreateEventSource(context.Background(), "prod", ghSourceParams)
			if !IsConflict(err) {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
	}
}

func TestFirstEventSourceCreateConflictIsNotRecovered(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodPost {
			writeError(w, 409, api.CodeAlreadyExists, `event source "app" already exists`)
			return
		}
		writeJSON(w, 200, sourceBody(ghSourceParams, time.Now(), 1, ""))
	})
	if _, _, err := c.CreateEventSource(context.Background(), "prod", ghSourceParams); !IsConflict(err) {
		t.Fatalf("err = %v, want conflict", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases/prod/event-sources/app"); n != 0 {
		t.Errorf("looked the source up %d times", n)
	}
}

func TestEventSourceInputValidation(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, api.Empty{}) })
	ctx := context.Background()
	if _, _, err := c.CreateEventSource(ctx, "", webhookParams); err == nil {
		t.Error("create without a canvas: want error")
	}
	if _, err := c.GetEventSource(ctx, "prod", ""); err == nil {
		t.Error("get without a source: want error")
	}
	if _, err := c.UpdateEventSource(ctx, "prod", "hook", EventSourceParams{}); err == nil {
		t.Error("update without a new name: want error")
	}
	if err := c.DeleteEventSource(ctx, "", "hook", false); err == nil {
		t.Error("delete without a canvas: want error")
	}
	if _, _, err := c.ResetEventSourceKey(ctx, "prod", ""); err == nil {
		t.Error("reset-key without a source: want error")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

func TestEventSourceAnswerWithoutMetadata(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, api.EventSourceResponse{EventSource: &api.EventSource{}})
	})
	_, err := c.GetEventSource(context.Background(), "prod", "app")
	if err == nil || !strings.Contains(err.Error(), "no event source metadata") {
		t.Fatalf("err = %v", err)
	}
}

// TestSuppliedKeyRequests: a supplied key goes in create's and reset-key's
// bodies as key (this project's extension) and never in an update's; a
// reset without one sends {} as a v1 server expects.
func TestSuppliedKeyRequests(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		writeJSON(w, 200, sourceBody(webhookParams, time.Now(), 1, ""))
	})
	ctx := context.Background()
	const supplied = "user-supplied-key-0123456789abcdef"
	p := webhookParams
	p.Key = supplied
	if _, key, err := c.CreateEventSource(ctx, "prod", p); err != nil || key != "" {
		t.Fatalf("create: key %q, %v", key, err)
	}
	if _, err := c.UpdateEventSource(ctx, "prod", "hook", p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ResetEventSourceKeyTo(ctx, "prod", "hook", supplied); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ResetEventSourceKey(ctx, "prod", "hook"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, want := range []any{supplied, nil, supplied, nil} {
		got, present := reqs[i].Body["key"]
		if want == nil && present || want != nil && got != want {
			t.Errorf("%s %s: key = %v (present %v), want %v", reqs[i].Method, reqs[i].Path, got, present, want)
		}
	}
	if reqs[3].Body == nil || len(reqs[3].Body) != 0 {
		t.Errorf("reset-key without a key sent %v, want {}", reqs[3].Body)
	}
}
