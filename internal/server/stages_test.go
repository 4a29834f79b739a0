package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/engine"
	"github.com/superplane/terraform-provider-superplane/internal/executor"
	"github.com/superplane/terraform-provider-superplane/internal/webhook"
)

// receiver records what the http executor sends.
type receiver struct {
	mu      sync.Mutex
	calls   []receivedCall
	respond func(w http.ResponseWriter, r *http.Request)
}

type receivedCall struct {
	Header http.Header
	Body   map[string]any
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	rc.mu.Lock()
	rc.calls = append(rc.calls, receivedCall{Header: r.Header.Clone(), Body: body})
	respond := rc.respond
	rc.mu.Unlock()
	if respond != nil {
		respond(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"outputs":{"version":"1.2.3"}}`)
}

func (rc *receiver) received() []receivedCall {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedCall(nil), rc.calls...)
}

// stageEnv is a server with its engine running, a canvas "prod" with a
// secret, a custom webhook source "hook", and a local HTTP receiver.
type stageEnv struct {
	*env
	key      string
	sourceID string
	recv     *receiver
	recvURL  string
}

const deployToken = "deploy-t0ken-that-must-never-leak"

func newStageEnv(t *testing.T) *stageEnv {
	t.Helper()
	se := newStageEnvStopped(t)
	se.startEngine(t)
	return se
}

// startEngine runs an engine until the test ends or the returned stop is
// called (a server going away).
// testLease is these tests' engine lease: longer than any stall a loaded
// CI machine under -race puts between a claim and its renewals. When one
// lapsed, the engine claimed its own execution again as resumed, which
// fails an http stage ("the server stopped during the HTTP request": CI,
// TestAWSSignedHTTPStage at load 20-35); TestRestartDuringExecution, which
// waits for one to lapse, starts its engine with a short one.
const testLease = 30 * time.Second

func (se *stageEnv) startEngine(t *testing.T) (stop func()) {
	return se.startEngineLease(t, testLease)
}

// startEngineLease starts the engine with lease (startEngine).
func (se *stageEnv) startEngineLease(t *testing.T, lease time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		se.engine.Run(ctx, engine.Config{Interval: 20 * time.Millisecond, Lease: lease})
	}()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

func newStageEnvStopped(t *testing.T) *stageEnv {
	t.Helper()
	e := newEnv(t, withExecutors(executor.Config{
		PollInterval:    20 * time.Millisecond,
		AllowedNetworks: fakesAllowed,
	}))
	createCanvas(t, e, "prod")
	e.do("owner", "POST", "/api/v1/secrets", secretBody(api.DomainTypeCanvas, "prod", "deploy", map[string]string{"token": deployToken})).decode(t, &api.SecretResponse{})
	var src api.EventSourceResponse
	e.do("owner", "POST", "/api/v1/canvases/prod/event-sources", sourceBody("hook", api.EventSourceSpec{Type: "webhook"})).decode(t, &src)
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return &stageEnv{env: e, key: src.Key, sourceID: src.EventSource.Metadata.ID, recv: rc, recvURL: srv.URL}
}

func (se *stageEnv) post(t *testing.T, payload string) {
	t.Helper()
	body := []byte(payload)
	status, resp := deliver(t, se.env, "/api/v1/sources/"+se.sourceID, body, map[string]string{"Content-Type": "application/json", "X-Signature-256": webhook.Sign([]byte(se.key), body)})
	if status != 200 {
		t.Fatalf("delivery: %d %s", status, resp)
	}
}

func httpStage(name, url string) api.StageRequest {
	return api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: name}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.ref == 'refs/heads/main'"}},
		}}},
		Inputs:        []api.InputDefinition{{Name: "COMMIT"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "COMMIT", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Connection: "hook", Expression: "$.after"}}}}}},
		Outputs:       []api.OutputDefinition{{Name: "version", Required: true}},
		Secrets:       []api.ValueDefinition{{Name: "TOKEN", ValueFrom: &api.StageValueFrom{Secret: &api.ValueFromSecret{Name: "deploy", Key: "token"}}}},
		Executor: &api.Executor{Type: "http", Spec: map[string]any{
			"url":     url,
			"headers": map[string]any{"Authorization": "Bearer ${{ secrets.TOKEN }}"},
			"payload": map[string]any{"commit": "${{ inputs.COMMIT }}"},
		}},
	}}}
}

// waitExecution polls the stage's executions until one is finished.
func waitExecution(t *testing.T, e *env, stage string, n int) []api.Execution {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var out api.ListExecutionsResponse
		e.do("viewer", "GET", "/api/v1/canvases/prod/stages/"+stage+"/executions", nil).decode(t, &out)
		finished := 0
		for _, ex := range out.Executions {
			if ex.State == api.ExecutionStateFinished {
				finished++
			}
		}
		if finished >= n {
			return out.Executions
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %d finished executions of %s in time", n, stage)
	return nil
}

func TestHTTPStageEndToEnd(t *testing.T) {
	se := newStageEnv(t)
	var created api.StageResponse
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &created)

	se.post(t, `{"ref":"refs/heads/dev","after":"nope"}`) // filtered out by the connection
	se.post(t, `{"ref":"refs/heads/main","after":"abc123"}`)
	execs := waitExecution(t, se.env, "deploy", 1)
	ex := execs[0]
	if ex.Result != api.ResultPassed || len(ex.Outputs) != 1 || ex.Outputs[0].Value != "1.2.3" {
		t.Fatalf("execution: %+v", ex)
	}
	calls := se.recv.received()
	if len(calls) != 1 {
		t.Fatalf("receiver got %d calls, want 1 (the dev push is filtered out)", len(calls))
	}
	if got := calls[0].Header.Get("Authorization"); got != "Bearer "+deployToken {
		t.Fatalf("secret not injected: %q", got)
	}
	if calls[0].Body["commit"] != "abc123" || calls[0].Body["executionId"] != ex.ID {
		t.Fatalf("payload: %+v", calls[0].Body)
	}
	if ex.StageEvent == nil || len(ex.StageEvent.Inputs) != 1 || ex.StageEvent.Inputs[0].Value != "abc123" {
		t.Fatalf("stage event inputs: %+v", ex.StageEvent)
	}

	// The secret is nowhere: not in the API's records, the log, or the database.
	r := se.do("owner", "GET", "/api/v1/canvases/prod/stages/deploy/executions", nil)
	if strings.Contains(string(r.body), deployToken) {
		t.Fatal("execution records contain the secret")
	}
	if strings.Contains(se.logs.String(), deployToken) {
		t.Fatal("log contains the secret")
	}
	files, _ := filepath.Glob(filepath.Join(se.dir, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(deployToken)) {
			t.Fatalf("%s contains the secret", filepath.Base(f))
		}
	}
}

func TestStageSecretRedactedFromResults(t *testing.T) {
	se := newStageEnv(t)
	// A receiver that echoes the secret back in an output and fails.
	se.recv.respond = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		_, _ = io.WriteString(w, `{"outputs":{"version":"`+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+`"}}`)
	}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"x"}`)
	ex := waitExecution(t, se.env, "deploy", 1)[0]
	if ex.Result != api.ResultFailed {
		t.Fatalf("want failed, got %+v", ex)
	}
	b, _ := json.Marshal(ex)
	if strings.Contains(string(b), deployToken) {
		t.Fatalf("execution record holds the secret: %s", b)
	}
}

func TestApprovalAndChain(t *testing.T) {
	se := newStageEnv(t)
	first := httpStage("build", se.recvURL)
	first.Stage.Spec.Conditions = []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 2}}}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", first).decode(t, &api.StageResponse{})
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", api.StageRequest{Stage: &api.Stage{Metadata: &api.StageMetadata{Name: "release"}, Spec: &api.StageSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeStage, Name: "build", Filters: []api.Filter{
			{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: "$.result == 'RESULT_PASSED'"}},
		}}},
		Inputs:        []api.InputDefinition{{Name: "VERSION"}},
		InputMappings: []api.InputMapping{{Values: []api.ValueDefinition{{Name: "VERSION", ValueFrom: &api.StageValueFrom{EventData: &api.ValueFromEventData{Expression: "$.outputs.version"}}}}}},
		Outputs:       []api.OutputDefinition{{Name: "released"}},
		Executor:      &api.Executor{Type: "noop", Spec: map[string]any{"outputs": map[string]any{"released": "${{ inputs.VERSION }}"}}},
	}}}).decode(t, &api.StageResponse{})

	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	// The event waits for two approvals by distinct users.
	var queued api.ListStageEventsResponse
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		se.do("viewer", "GET", "/api/v1/canvases/prod/stages/build/events?states=STATE_WAITING", nil).decode(t, &queued)
		if len(queued.Events) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(queued.Events) != 1 || queued.Events[0].StateReason != api.StageEventReasonApproval {
		t.Fatalf("waiting events: %+v", queued.Events)
	}
	id := queued.Events[0].ID
	approve := "/api/v1/canvases/prod/stages/build/events/" + id + "/approve"
	se.do("owner", "POST", approve, `{}`).decode(t, &api.StageEventResponse{})
	se.do("owner", "POST", approve, `{}`).decode(t, &api.StageEventResponse{}) // the same user again counts once
	time.Sleep(200 * time.Millisecond)
	if n := len(se.recv.received()); n != 0 {
		t.Fatalf("executed with one approver: %d calls", n)
	}
	expectError(t, se.do("viewer", "POST", approve, `{}`), 403, api.CodePermissionDenied, "viewer")
	se.do("admin", "POST", approve, `{}`).decode(t, &api.StageEventResponse{})
	if ex := waitExecution(t, se.env, "build", 1)[0]; ex.Result != api.ResultPassed {
		t.Fatalf("build: %+v", ex)
	}
	// The chain: release ran with build's output as its input.
	rel := waitExecution(t, se.env, "release", 1)[0]
	if rel.Result != api.ResultPassed || len(rel.Outputs) != 1 || rel.Outputs[0].Value != "1.2.3" {
		t.Fatalf("release: %+v", rel)
	}
	// build cannot be deleted while release listens to it.
	expectError(t, se.do("owner", "DELETE", "/api/v1/canvases/prod/stages/build", nil), 409, api.CodeAlreadyExists, "release")
	expectError(t, se.do("owner", "DELETE", "/api/v1/canvases/prod/event-sources/hook", nil), 409, api.CodeAlreadyExists, "build")
}

func TestTimeWindowAndDiscard(t *testing.T) {
	se := newStageEnv(t)
	now := time.Now().UTC()
	// A one-minute window an hour from now: the event waits.
	start := now.Add(time.Hour)
	req := httpStage("night", se.recvURL)
	req.Stage.Spec.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{
		Start: start.Format("15:04"), End: start.Add(time.Minute).Format("15:04"),
	}}}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", req).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	var queued api.ListStageEventsResponse
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		se.do("viewer", "GET", "/api/v1/canvases/prod/stages/night/events?states=STATE_WAITING", nil).decode(t, &queued)
		if len(queued.Events) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(queued.Events) != 1 || queued.Events[0].StateReason != api.StageEventReasonTimeWindow {
		t.Fatalf("waiting events: %+v", queued.Events)
	}
	var discarded api.StageEventResponse
	se.do("owner", "POST", "/api/v1/canvases/prod/stages/night/events/"+queued.Events[0].ID+"/discard", `{}`).decode(t, &discarded)
	if discarded.Event.State != api.StageEventStateDiscarded || discarded.Event.DiscardedBy == "" {
		t.Fatalf("discard: %+v", discarded.Event)
	}
	if len(se.recv.received()) != 0 {
		t.Fatal("a discarded event was executed")
	}
}

func TestCancelExecution(t *testing.T) {
	se := newStageEnv(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	se.recv.respond = func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("slow", se.recvURL)).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	var list api.ListExecutionsResponse
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && len(se.recv.received()) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/slow/executions", nil).decode(t, &list)
	if len(list.Executions) != 1 {
		t.Fatalf("executions: %+v", list.Executions)
	}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages/slow/executions/"+list.Executions[0].ID+"/cancel", `{}`).decode(t, &api.ExecutionResponse{})
	ex := waitExecution(t, se.env, "slow", 1)[0]
	if ex.Result != api.ResultCancelled || ex.CancelledAt == nil {
		t.Fatalf("after cancel: %+v", ex)
	}
}

func TestStageBadInput(t *testing.T) {
	se := newStageEnv(t)
	mutate := func(f func(*api.StageSpec)) api.StageRequest {
		req := httpStage("x", se.recvURL)
		f(req.Stage.Spec)
		return req
	}
	cases := []struct {
		name     string
		req      api.StageRequest
		contains string
	}{
		{"NoConnections", mutate(func(s *api.StageSpec) { s.Connections = nil }), "stage.spec.connections"},
		{"UnknownSource", mutate(func(s *api.StageSpec) { s.Connections[0].Name = "ghost" }), "stage.spec.connections[0].name"},
		{"BadConnectionType", mutate(func(s *api.StageSpec) { s.Connections[0].Type = "TYPE_MAGIC" }), "stage.spec.connections[0].type"},
		{"BadFilter", mutate(func(s *api.StageSpec) { s.Connections[0].Filters[0].Data.Expression = "$.ref ==" }), "stage.spec.connections[0].filters[0].data.expression"},
		{"InputWithoutMapping", mutate(func(s *api.StageSpec) { s.InputMappings = nil }), "stage.spec.inputMappings"},
		{"MappingUnknownInput", mutate(func(s *api.StageSpec) { s.InputMappings[0].Values[0].Name = "OTHER" }), "stage.spec.inputMappings[0].values[0].name"},
		{"MappingUnknownConnection", mutate(func(s *api.StageSpec) {
			s.InputMappings[0].Values[0].ValueFrom.EventData.Connection = "nope"
		}), "stage.spec.inputMappings[0].values[0].valueFrom.eventData.connection"},
		{"BadMappingExpression", mutate(func(s *api.StageSpec) { s.InputMappings[0].Values[0].ValueFrom.EventData.Expression = "$.a +" }), "expression"},
		{"UndeclaredInputInTemplate", mutate(func(s *api.StageSpec) { s.Executor.Spec["payload"] = map[string]any{"x": "${{ inputs.NOPE }}"} }), "inputs.NOPE"},
		{"UndeclaredSecretByRealName", mutate(func(s *api.StageSpec) {
			s.Executor.Spec["headers"] = map[string]any{"Authorization": "${{ secrets.deploy }}"}
		}), "secrets.deploy"},
		{"MissingSecret", mutate(func(s *api.StageSpec) { s.Secrets[0].ValueFrom.Secret.Name = "ghost" }), "stage.spec.secrets[0].valueFrom.secret"},
		{"MissingSecretKey", mutate(func(s *api.StageSpec) { s.Secrets[0].ValueFrom.Secret.Key = "nokey" }), "nokey"},
		{"UnknownExecutor", mutate(func(s *api.StageSpec) { s.Executor.Type = "teleport" }),
			`stage.spec.executor.type "teleport" is not one of http, github, semaphore, gitlab, bitbucket, azure_devops, noop`},
		{"NoExecutorType", mutate(func(s *api.StageSpec) { s.Executor.Type = "" }),
			"stage.spec.executor.type is required: http, github, semaphore, gitlab, bitbucket, azure_devops or noop"},
		{"HTTPWithoutURL", mutate(func(s *api.StageSpec) { delete(s.Executor.Spec, "url") }), "stage.spec.executor.spec.url"},
		{"GitHubWithoutIntegration", mutate(func(s *api.StageSpec) { s.Executor.Type = "github" }), "stage.spec.executor.integration"},
		{"ZeroApprovals", mutate(func(s *api.StageSpec) {
			s.Conditions = []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 0}}}
		}), "stage.spec.conditions[0].approval.count"},
		{"BadWindow", mutate(func(s *api.StageSpec) {
			s.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "9", End: "17:00"}}}
		}), "stage.spec.conditions[0].timeWindow.start"},
		{"WindowEndIsStart", mutate(func(s *api.StageSpec) {
			s.Conditions = []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}},
				{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "08:00", End: "08:00"}}}
		}), `stage.spec.conditions[1].timeWindow.end "08:00" is its start: the window would never open`},
		{"WindowStartsAt24", mutate(func(s *api.StageSpec) {
			s.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "24:00", End: "08:00"}}}
		}), "stage.spec.conditions[0].timeWindow.start must be HH:MM"},
		{"WindowEndsPast24", mutate(func(s *api.StageSpec) {
			s.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{Start: "08:00", End: "24:01"}}}
		}), "stage.spec.conditions[0].timeWindow.end must be HH:MM, or 24:00"},
		{"NoExecutor", mutate(func(s *api.StageSpec) { s.Executor = nil }), "stage.spec.executor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := se.do("owner", "POST", "/api/v1/canvases/prod/stages", tc.req)
			if r.status != 400 || !strings.Contains(r.err.Message, tc.contains) {
				t.Fatalf("got %d %s; want 400 naming %q", r.status, r.body, tc.contains)
			}
		})
	}
	var list api.ListStagesResponse
	se.do("owner", "GET", "/api/v1/canvases/prod/stages", nil).decode(t, &list)
	if len(list.Stages) != 0 {
		t.Fatalf("bad input created %d stages", len(list.Stages))
	}
	// Secrets resolve by the stage's alias, not the secret's own name
	// (spec.secrets[].name): the valid request above uses TOKEN -> deploy.
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("ok", se.recvURL)).decode(t, &api.StageResponse{})
	expectError(t, se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("ok", se.recvURL)), 409, api.CodeAlreadyExists, "ok")
}

// TestRestartDuringExecution stops the engine while an HTTP call is in
// flight, as a crash would, and starts another: the execution is not lost
// and not silently repeated, it fails with a reason.
func TestRestartDuringExecution(t *testing.T) {
	se := newStageEnvStopped(t)
	// A short lease: the second engine resumes the execution once it
	// lapses. Under load the first engine may take it again itself, which
	// ends the same way.
	stop := se.startEngineLease(t, time.Second)
	se.recv.respond = func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", httpStage("deploy", se.recvURL)).decode(t, &api.StageResponse{})
	se.post(t, `{"ref":"refs/heads/main","after":"abc"}`)
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && len(se.recv.received()) == 0 {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	var list api.ListExecutionsResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/deploy/executions", nil).decode(t, &list)
	if len(list.Executions) != 1 || list.Executions[0].State != api.ExecutionStateStarted {
		t.Fatalf("after the stop: %+v", list.Executions)
	}
	se.startEngine(t)
	ex := waitExecution(t, se.env, "deploy", 1)[0]
	if ex.Result != api.ResultFailed || !strings.Contains(ex.ResultMessage, "not sent again") {
		t.Fatalf("after the restart: %+v", ex)
	}
	if n := len(se.recv.received()); n != 1 {
		t.Fatalf("the request was sent %d times", n)
	}
}

// TestQueueTotalIsTheQueuesSize: a stage's status lists the newest 20 queued
// events and counts all of them, in the list of stages and in the stage
// alike.
func TestQueueTotalIsTheQueuesSize(t *testing.T) {
	se := newStageEnv(t)
	start := time.Now().UTC().Add(time.Hour)
	req := httpStage("night", se.recvURL)
	req.Stage.Spec.Conditions = []api.Condition{{Type: api.ConditionTypeTimeWindow, TimeWindow: &api.ConditionTimeWindow{
		Start: start.Format("15:04"), End: start.Add(time.Minute).Format("15:04"),
	}}}
	se.do("owner", "POST", "/api/v1/canvases/prod/stages", req).decode(t, &api.StageResponse{})
	const queued = 23
	for i := range queued {
		se.post(t, fmt.Sprintf(`{"ref":"refs/heads/main","after":"c%d"}`, i))
	}
	var waiting api.ListStageEventsResponse // pending or waiting: nothing runs
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		se.do("viewer", "GET", "/api/v1/canvases/prod/stages/night/events?limit=100", nil).decode(t, &waiting)
		if len(waiting.Events) == queued {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(waiting.Events) != queued {
		t.Fatalf("%d queued events, want %d", len(waiting.Events), queued)
	}

	// The events listing counts all of them, whatever the page.
	var page api.ListStageEventsResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/night/events?limit=5", nil).decode(t, &page)
	if len(page.Events) != 5 || page.TotalCount != queued || !page.HasNextPage || page.TotalCountCapped {
		t.Errorf("a page of 5: %d events, totalCount %d (capped %v), more %v; want 5 of %d", len(page.Events), page.TotalCount, page.TotalCountCapped, page.HasNextPage, queued)
	}
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/night/events?limit=5&states=STATE_PROCESSED", nil).decode(t, &page)
	if len(page.Events) != 0 || page.TotalCount != 0 {
		t.Errorf("processed events: %d, totalCount %d; want none", len(page.Events), page.TotalCount)
	}

	var list api.ListStagesResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages", nil).decode(t, &list)
	var one api.StageResponse
	se.do("viewer", "GET", "/api/v1/canvases/prod/stages/night", nil).decode(t, &one)
	if len(list.Stages) != 1 {
		t.Fatalf("%d stages listed, want 1", len(list.Stages))
	}
	for label, st := range map[string]api.Stage{"list": list.Stages[0], "describe": *one.Stage} {
		q := st.Status.Queue
		if q.Total != queued || len(q.Items) != 20 {
			t.Errorf("%s: queue shows %d items of total %d, want 20 of %d", label, len(q.Items), q.Total, queued)
		}
		if len(q.Items) > 0 && q.Items[0].ID != waiting.Events[0].ID {
			t.Errorf("%s: first queue item %s, want the newest %s", label, q.Items[0].ID, waiting.Events[0].ID)
		}
	}
}
