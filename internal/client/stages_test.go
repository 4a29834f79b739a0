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
	stageID      = "66666666-6666-6666-6666-666666666666"
	stageEventID = "77777777-7777-7777-7777-777777777777"
	executionID  = "88888888-8888-8888-8888-888888888888"
)

// deployParams is an http stage listening to a webhook source, with an
// input from the event, a secret and a status code list (whose numbers come
// back from the server as JSON floats).
var deployParams = StageParams{
	Name:        "deploy",
	Description: "ships it",
	Spec: api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook", FilterOperator: api.FilterOperatorAnd,
			Filters: []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'main'"}}}}},
		Inputs: []api.InputDefinition{{Name: "COMMIT"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "COMMIT", ValueFrom: &api.StageValueFrom{
			EventData: &api.ValueFromEventData{Connection: "hook", Expression: "$.after"}}}}}},
		Secrets: []api.ValueDefinition{{Name: "TOKEN", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "deploy", Key: "token"}}}},
		Executor: &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{
			"url":            "http://127.0.0.1:9/deploy",
			"headers":        map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
			"payload":        map[string]any{"commit": "${{ inputs.COMMIT }}"},
			"responsePolicy": map[string]any{"statusCodes": []any{int64(200), int64(202)}},
			"timeoutSeconds": int64(10),
		}},
	},
}

// stageBody is a server answer for a stage built from p.
func stageBody(p StageParams, createdAt time.Time) api.StageResponse {
	st := p.stage()
	st.Metadata.ID = stageID
	st.Metadata.CanvasID = canvasID
	st.Metadata.CreatedAt = &createdAt
	st.Status = &api.StageStatus{Queue: &api.StatusQueue{Items: []api.StageEvent{}}}
	return api.StageResponse{Stage: st}
}

func TestStageRequestShapes(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch {
		case r.Method == http.MethodDelete:
			writeJSON(w, 200, api.Empty{})
		case strings.HasSuffix(r.URL.Path, "/approve") || strings.HasSuffix(r.URL.Path, "/discard"):
			writeJSON(w, 200, api.StageEventResponse{Event: &api.StageEvent{ID: stageEventID, State: api.StageEventStateWaiting}})
		case strings.HasSuffix(r.URL.Path, "/cancel"):
			writeJSON(w, 200, api.ExecutionResponse{Execution: &api.Execution{ID: executionID, State: api.ExecutionStateStarted}})
		case strings.HasSuffix(r.URL.Path, "/events"):
			writeJSON(w, 200, api.ListStageEventsResponse{Events: []api.StageEvent{{ID: stageEventID}}})
		case strings.HasSuffix(r.URL.Path, "/executions"):
			writeJSON(w, 200, api.ListExecutionsResponse{Executions: []api.Execution{{ID: executionID, Result: api.ResultPassed}}})
		case r.Method == http.MethodGet && r.URL.Path == "/api/v1/canvases/prod/stages":
			writeJSON(w, 200, api.ListStagesResponse{Stages: []api.Stage{*stageBody(deployParams, time.Now()).Stage}})
		default:
			writeJSON(w, 200, stageBody(deployParams, time.Now()))
		}
	})
	ctx := context.Background()

	created, err := c.CreateStage(ctx, "prod", deployParams)
	if err != nil {
		t.Fatal(err)
	}
	if created.Metadata.ID != stageID || created.Status == nil {
		t.Errorf("create answer = %+v", created)
	}
	renamed := deployParams
	renamed.Name = "ship"
	if _, err := c.UpdateStage(ctx, "prod", stageID, renamed); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetStage(ctx, "my canvas", "deploy"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteStage(ctx, "prod", "deploy"); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListStages(ctx, "prod")
	if err != nil || len(list) != 1 || list[0].Metadata.Name != "deploy" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	events, err := c.ListStageEvents(ctx, "prod", "deploy", StageEventQuery{
		States: []string{api.StageEventStatePending, api.StageEventStateWaiting}, Limit: 10,
		Before: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), BeforeID: stageEventID,
	})
	if err != nil || len(events.Events) != 1 {
		t.Fatalf("events = %+v, %v", events, err)
	}
	if ev, err := c.ApproveStageEvent(ctx, "prod", "deploy", stageEventID); err != nil || ev.ID != stageEventID {
		t.Fatalf("approve = %+v, %v", ev, err)
	}
	if ev, err := c.DiscardStageEvent(ctx, "prod", "deploy", stageEventID); err != nil || ev.ID != stageEventID {
		t.Fatalf("discard = %+v, %v", ev, err)
	}
	execs, err := c.ListExecutions(ctx, "prod", "deploy", ExecutionQuery{Limit: 1})
	if err != nil || len(execs.Executions) != 1 || execs.Executions[0].Result != api.ResultPassed {
		t.Fatalf("executions = %+v, %v", execs, err)
	}
	if ex, err := c.CancelExecution(ctx, "prod", "deploy", executionID); err != nil || ex.ID != executionID {
		t.Fatalf("cancel = %+v, %v", ex, err)
	}

	reqs := rec.requests()
	want := []struct{ method, path, query string }{
		{http.MethodPost, "/api/v1/canvases/prod/stages", ""},
		{http.MethodPatch, "/api/v1/canvases/prod/stages/" + stageID, ""},
		{http.MethodGet, "/api/v1/canvases/my canvas/stages/deploy", ""},
		{http.MethodDelete, "/api/v1/canvases/prod/stages/deploy", ""},
		{http.MethodGet, "/api/v1/canvases/prod/stages", ""},
		{http.MethodGet, "/api/v1/canvases/prod/stages/deploy/events",
			"before=2026-01-02T03%3A04%3A05Z&beforeId=" + stageEventID + "&limit=10&states=STATE_PENDING&states=STATE_WAITING"},
		{http.MethodPost, "/api/v1/canvases/prod/stages/deploy/events/" + stageEventID + "/approve", ""},
		{http.MethodPost, "/api/v1/canvases/prod/stages/deploy/events/" + stageEventID + "/discard", ""},
		{http.MethodGet, "/api/v1/canvases/prod/stages/deploy/executions", "limit=1"},
		{http.MethodPost, "/api/v1/canvases/prod/stages/deploy/executions/" + executionID + "/cancel", ""},
	}
	if len(reqs) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(reqs), len(want), reqs)
	}
	for i, w := range want {
		if reqs[i].Method != w.method || reqs[i].Path != w.path || reqs[i].RawQuery != w.query {
			t.Errorf("request %d = %s %s?%s, want %s %s?%s", i, reqs[i].Method, reqs[i].Path, reqs[i].RawQuery, w.method, w.path, w.query)
		}
	}

	// The body is {"stage": {metadata, spec}} with the spec as given.
	create := reqs[0].Body
	if md := field(t, create, "stage", "metadata"); md["name"] != "deploy" || md["description"] != "ships it" {
		t.Errorf("create metadata = %v", md)
	}
	spec := field(t, create, "stage", "spec")
	ex := field(t, spec, "executor")
	if ex["type"] != "http" || field(t, ex, "spec", "headers")["Authorization"] != "Bearer ${{ secrets.TOKEN }}" {
		t.Errorf("executor = %v", ex)
	}
	conns, _ := spec["connections"].([]any)
	if len(conns) != 1 {
		t.Fatalf("connections = %v", spec["connections"])
	}
	conn, _ := conns[0].(map[string]any)
	if conn["type"] != api.ConnectionTypeEventSource || conn["name"] != "hook" || conn["filterOperator"] != api.FilterOperatorAnd {
		t.Errorf("connection = %v", conn)
	}
	secrets, _ := spec["secrets"].([]any)
	if len(secrets) != 1 {
		t.Fatalf("secrets = %v", spec["secrets"])
	}
	sec, _ := secrets[0].(map[string]any)
	if sec["name"] != "TOKEN" || field(t, sec, "valueFrom", "secret")["name"] != "deploy" {
		t.Errorf("secret = %v", sec)
	}
	if md := field(t, reqs[1].Body, "stage", "metadata"); md["name"] != "ship" {
		t.Errorf("update metadata = %v", md)
	}
}

func TestStageErrors(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		switch r.Method {
		case http.MethodPost:
			writeError(w, 400, api.CodeInvalidArgument, "stage.spec.executor.spec.url is required")
		case http.MethodDelete:
			writeError(w, 409, api.CodeAlreadyExists, `stage "build" is a connection of stage "release"; change them first`)
		default:
			writeError(w, 404, api.CodeNotFound, "stage not found")
		}
	})
	ctx := context.Background()
	_, err := c.CreateStage(ctx, "prod", deployParams)
	if e, ok := asAPIError(err); !ok || e.StatusCode != 400 || !strings.Contains(err.Error(), "stage.spec.executor.spec.url") {
		t.Errorf("create: %v, want the server's 400 naming the field", err)
	}
	if _, err := c.GetStage(ctx, "prod", "ghost"); !IsNotFound(err) {
		t.Errorf("get: %v, want not found", err)
	}
	if err := c.DeleteStage(ctx, "prod", "build"); !IsConflict(err) || !strings.Contains(err.Error(), "release") {
		t.Errorf("delete: %v, want a conflict naming the listener", err)
	}
}

// stageCreateServer processes the first create but loses its answer, then
// says the name is taken; GET returns the stage built from p, created at
// createdAt.
func stageCreateServer(t *testing.T, p StageParams, createdAt time.Time) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.Method == http.MethodPost && n == 1:
			dropConnection(t, w)
		case r.Method == http.MethodPost:
			writeError(w, 409, api.CodeAlreadyExists, `stage "`+p.Name+`" already exists`)
		default:
			writeJSON(w, 200, stageBody(p, createdAt))
		}
	}
}

func TestRetriedStageCreate(t *testing.T) {
	t.Run("own stage", func(t *testing.T) {
		c, rec := newTestClient(t, stageCreateServer(t, deployParams, time.Now()))
		st, err := c.CreateStage(context.Background(), "prod", deployParams)
		if err != nil {
			t.Fatal(err)
		}
		if st.Metadata.ID != stageID {
			t.Errorf("id = %q", st.Metadata.ID)
		}
		if n := rec.count(http.MethodPost, "/api/v1/canvases/prod/stages"); n != 2 {
			t.Errorf("POSTs = %d, want 2", n)
		}
	})
	otherURL, otherDesc := deployParams, deployParams
	otherURL.Spec.Executor = &api.Executor{Type: api.ExecutorHTTP, Spec: map[string]any{"url": "http://127.0.0.1:9/other"}}
	otherDesc.Description = "someone else's"
	foreign := map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"older":             stageCreateServer(t, deployParams, time.Now().Add(-time.Hour)),
		"other executor":    stageCreateServer(t, otherURL, time.Now()),
		"other description": stageCreateServer(t, otherDesc, time.Now()),
	}
	for name, fn := range foreign {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			if _, err := c.CreateStage(context.Background(), "prod", deployParams); !IsConflict(err) {
				t.Fatalf("err = %v, want conflict", err)
			}
		})
	}
}

func TestFirstStageCreateConflictIsNotRecovered(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if r.Method == http.MethodPost {
			writeError(w, 409, api.CodeAlreadyExists, `stage "deploy" already exists`)
			return
		}
		writeJSON(w, 200, stageBody(deployParams, time.Now()))
	})
	if _, err := c.CreateStage(context.Background(), "prod", deployParams); !IsConflict(err) {
		t.Fatalf("err = %v, want conflict", err)
	}
	if n := rec.count(http.MethodGet, "/api/v1/canvases/prod/stages/deploy"); n != 0 {
		t.Errorf("looked the stage up %d times", n)
	}
}

func TestRetriedDiscard(t *testing.T) {
	discardPath := "/api/v1/canvases/prod/stages/deploy/events/" + stageEventID + "/discard"
	server := func(discardedBy string, discardedAt time.Time) func(w http.ResponseWriter, r *http.Request, n int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			switch {
			case r.URL.Path == "/api/v1/me":
				meHandler(w)
			case r.URL.Path == discardPath && n == 1:
				dropConnection(t, w)
			case r.URL.Path == discardPath:
				writeError(w, 400, api.CodeInvalidArgument, "stage event "+stageEventID+" is STATE_DISCARDED: only a queued event can be discarded")
			default:
				writeJSON(w, 200, api.ListStageEventsResponse{Events: []api.StageEvent{{
					ID: stageEventID, State: api.StageEventStateDiscarded, DiscardedBy: discardedBy, DiscardedAt: &discardedAt,
				}}})
			}
		}
	}
	t.Run("own discard", func(t *testing.T) {
		c, _ := newTestClient(t, server(testUserID, time.Now()))
		ev, err := c.DiscardStageEvent(context.Background(), "prod", "deploy", stageEventID)
		if err != nil {
			t.Fatal(err)
		}
		if ev.State != api.StageEventStateDiscarded {
			t.Errorf("event = %+v", ev)
		}
	})
	for name, fn := range map[string]func(w http.ResponseWriter, r *http.Request, n int){
		"someone else's": server("someone-else", time.Now()),
		"long ago":       server(testUserID, time.Now().Add(-time.Hour)),
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, fn)
			_, err := c.DiscardStageEvent(context.Background(), "prod", "deploy", stageEventID)
			if e, ok := asAPIError(err); !ok || e.StatusCode != 400 {
				t.Fatalf("err = %v, want the server's 400", err)
			}
		})
	}
}

func TestStageInputValidation(t *testing.T) {
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request, _ int) { writeJSON(w, 200, api.Empty{}) })
	ctx := context.Background()
	if _, err := c.CreateStage(ctx, "", deployParams); err == nil {
		t.Error("create without a canvas: want error")
	}
	if _, err := c.CreateStage(ctx, "prod", StageParams{}); err == nil {
		t.Error("create without a name: want error")
	}
	if _, err := c.GetStage(ctx, "prod", ""); err == nil {
		t.Error("get without a stage: want error")
	}
	if _, err := c.UpdateStage(ctx, "prod", "deploy", StageParams{}); err == nil {
		t.Error("update without a name: want error")
	}
	if err := c.DeleteStage(ctx, "", "deploy"); err == nil {
		t.Error("delete without a canvas: want error")
	}
	if _, err := c.ApproveStageEvent(ctx, "prod", "deploy", ""); err == nil {
		t.Error("approve without an event: want error")
	}
	if _, err := c.CancelExecution(ctx, "prod", "deploy", ""); err == nil {
		t.Error("cancel without an execution: want error")
	}
	if n := len(rec.requests()); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
	// An answer without the object is an error, not a nil dereference later.
	if _, err := c.GetStage(ctx, "prod", "deploy"); err == nil || !strings.Contains(err.Error(), "no stage metadata") {
		t.Errorf("get with an empty answer: %v", err)
	}
	if _, err := c.ApproveStageEvent(ctx, "prod", "deploy", stageEventID); err == nil || !strings.Contains(err.Error(), "no stage event") {
		t.Errorf("approve with an empty answer: %v", err)
	}
}
