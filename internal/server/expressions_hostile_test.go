package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// killer is the expression that took the whole server down with a fatal
// out-of-memory before expressions were bounded.
const killer = "len(repeat(repeat(repeat('aaaaaaaaaa', 1000), 1000), 1000)) > 0"

// runTimeKiller compiles (its cost is only visible with the payload) and
// would allocate len($.s)² bytes.
const runTimeKiller = "len(replace($.s, 'a', $.s)) > 0"

func dataFilter(expression string) []api.Filter {
	return []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: expression}}}
}

// TestHostileExpressionsRefused: every kind of expression with a visible
// risk is refused at create and update with a 400 naming its field.
func TestHostileExpressionsRefused(t *testing.T) {
	se := newStageEnvStopped(t)
	stage := func(f func(*api.StageSpec)) api.StageRequest {
		req := httpStage("x", se.recvURL)
		f(req.Stage.Spec)
		return req
	}
	for name, tc := range map[string]struct {
		method, path string
		body         any
		field        string
	}{
		"StageFilter": {"POST", "/api/v1/canvases/prod/stages", stage(func(s *api.StageSpec) { s.Connections[0].Filters = dataFilter(killer) }),
			"stage.spec.connections[0].filters[0].data.expression"},
		"StageInputMapping": {"POST", "/api/v1/canvases/prod/stages", stage(func(s *api.StageSpec) {
			s.InputMappings[0].Values[0].ValueFrom.EventData.Expression = "map(1..1000, map(1..1000, #))"
		}), "stage.spec.inputMappings[0].values[0].valueFrom.eventData.expression"},
		"SourceFilter": {"POST", "/api/v1/canvases/prod/event-sources", sourceBody("s", api.EventSourceSpec{Type: "webhook",
			Events: []api.EventSourceEventType{{Type: "push", Filters: dataFilter("len(1..1000000000) > 0")}}}),
			"eventSource.spec.events[0].filters[0].data.expression"},
		"SourceUpdate": {"PATCH", "/api/v1/canvases/prod/event-sources/hook", sourceBody("hook", api.EventSourceSpec{Type: "webhook",
			Events: []api.EventSourceEventType{{Type: "push", Filters: dataFilter(killer)}}}),
			"eventSource.spec.events[0].filters[0].data.expression"},
	} {
		t.Run(name, func(t *testing.T) {
			r := se.do("owner", tc.method, tc.path, tc.body)
			if r.status != 400 || !strings.Contains(r.err.Message, tc.field) {
				t.Fatalf("got %d %s; want 400 naming %s", r.status, r.body, tc.field)
			}
		})
	}
	// The update of a stage too.
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	r := se.do("owner", "PATCH", "/api/v1/canvases/prod/stages/deploy", stage(func(s *api.StageSpec) { s.Connections[0].Filters = dataFilter(killer) }))
	if r.status != 400 || !strings.Contains(r.err.Message, "stage.spec.connections[0].filters[0].data.expression") {
		t.Fatalf("stage update: got %d %s; want 400 naming the filter", r.status, r.body)
	}
}

// waitEvent polls the events until the one with this id leaves
// STATE_PENDING.
func waitEvent(t *testing.T, se *stageEnv, id string) api.Event {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, ev := range listEvents(t, se.env, "").Events {
			if ev.ID == id && ev.State != api.EventStatePending {
				return ev
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s still pending", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newestEventID is the id of the canvas's newest event.
func newestEventID(t *testing.T, se *stageEnv) string {
	t.Helper()
	evs := listEvents(t, se.env, "?limit=1").Events
	if len(evs) != 1 {
		t.Fatal("no event")
	}
	return evs[0].ID
}

// TestHostileExpressionAtRunTime: an expression whose cost is visible only
// with the payload rejects the event with the reason, naming the
// expression, and the server and its engine go on.
func TestHostileExpressionAtRunTime(t *testing.T) {
	se := newStageEnv(t)
	big := `{"ref":"refs/heads/main","s":"` + strings.Repeat("a", 8000) + `"}`

	// A source filter: rejected when received.
	var src api.EventSourceResponse
	se.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("button", api.EventSourceSpec{Type: "manual",
		Events: []api.EventSourceEventType{{Type: "manual", Filters: dataFilter(runTimeKiller)}}})).decode(t, &src)
	var created struct {
		Event api.Event `json:"event"`
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(big), &raw); err != nil {
		t.Fatal(err)
	}
	se.do("owner", "POST", "/api/v1/canvases/prod/events", map[string]any{"sourceId": "button", "raw": raw}).decode(t, &created)
	if ev := created.Event; ev.State != api.EventStateRejected || ev.StateReason != store.StateReasonError ||
		!strings.Contains(ev.StateMessage, "eventSource.spec.events[0].filters[0].data.expression") || !strings.Contains(ev.StateMessage, "limits") {
		t.Fatalf("source filter over its limits: %s %s %q; want rejected with the reason", ev.State, ev.StateReason, ev.StateMessage)
	}

	// A stage filter and a stage input mapping: rejected when routed.
	filterStage := httpStage("deploy", se.recvURL)
	filterStage.Stage.Spec.Connections[0].Filters = dataFilter(runTimeKiller)
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", filterStage).decode(t, &api.StageResponse{})
	se.post(t, big)
	ev := waitEvent(t, se, newestEventID(t, se))
	if ev.State != api.EventStateRejected || ev.StateReason != store.StateReasonError ||
		!strings.Contains(ev.StateMessage, "stage deploy: stage.spec.connections[0].filters[0].data.expression") {
		t.Fatalf("stage filter over its limits: %s %s %q; want rejected naming the stage and filter", ev.State, ev.StateReason, ev.StateMessage)
	}
	se.do("owner", "DELETE", "/api/v1/canvases/prod/stages/deploy", nil)
	mappingStage := httpStage("deploy2", se.recvURL)
	mappingStage.Stage.Spec.InputMappings[0].Values[0].ValueFrom.EventData.Expression = "replace($.s, 'a', $.s)"
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", mappingStage).decode(t, &api.StageResponse{})
	se.post(t, big)
	ev = waitEvent(t, se, newestEventID(t, se))
	if ev.State != api.EventStateRejected || !strings.Contains(ev.StateMessage, "stage.spec.inputMappings[0].values[0].valueFrom.eventData.expression") {
		t.Fatalf("input mapping over its limits: %s %q; want rejected naming the mapping", ev.State, ev.StateMessage)
	}

	// The server still answers, and the engine still routes.
	se.post(t, `{"ref":"refs/heads/main","after":"abc","s":"b"}`)
	if ev := waitEvent(t, se, newestEventID(t, se)); ev.State != api.EventStateProcessed {
		t.Fatalf("an ordinary event after the hostile ones: %s %q", ev.State, ev.StateMessage)
	}
	waitExecution(t, se.env, "deploy2", 1)
}

// TestStoredKillerExpressionQuarantined: a stage saved before expressions
// were bounded still holds the killer, and a pending event for it is in the
// database (the server died routing it). At start the engine rejects the
// event with the reason instead of dying again, and serves on.
func TestStoredKillerExpressionQuarantined(t *testing.T) {
	se := newStageEnvStopped(t)
	old := httpStage("old", se.recvURL)
	old.Stage.Spec.Connections[0].Filters = dataFilter(killer)
	spec, err := json.Marshal(old.Stage.Spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	canvas, err := se.store.FindCanvas(ctx, orgOf(t, se), "prod")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := se.store.CreateStage(ctx, store.Stage{ID: uuid.NewString(), OrgID: canvas.OrgID, CanvasID: canvas.ID, Name: "old",
		Spec: spec, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	se.startEngine(t)
	ev := waitEvent(t, se, newestEventID(t, se))
	if ev.State != api.EventStateRejected || ev.StateReason != store.StateReasonError ||
		!strings.Contains(ev.StateMessage, "stage old: stage.spec.connections[0].filters[0].data.expression") {
		t.Fatalf("event for a stored killer: %s %s %q; want rejected naming the stage and filter", ev.State, ev.StateReason, ev.StateMessage)
	}
	if r := se.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil); r.status != 200 {
		t.Fatalf("the server no longer answers: %d", r.status)
	}
}

func orgOf(t *testing.T, se *stageEnv) string {
	t.Helper()
	var me api.Me
	se.do("owner", "GET", "/api/v1/me", nil).decode(t, &me)
	return me.OrganizationID
}
