package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The wire encoding before the store had typed columns, kept here as the
// reference: each column was decoded into the API's type over a default,
// with the error dropped.

// oldEvent is api.Event's payload and headers as they were answered, from
// maps.
type oldEvent struct {
	Raw     map[string]any
	Headers map[string]any
}

func oldStageEventLists(ev store.StageEvent) (api.StageEvent, oldEvent) {
	out := api.StageEvent{Approvals: []api.StageEventApproval{}, Inputs: []api.KeyValuePair{}}
	_ = json.Unmarshal(ev.Approvals, &out.Approvals)
	_ = json.Unmarshal(ev.Inputs, &out.Inputs)
	trigger := oldEvent{Raw: map[string]any{}, Headers: map[string]any{}}
	_ = json.Unmarshal(ev.TriggerPayload, &trigger.Raw)
	_ = json.Unmarshal(ev.TriggerHeaders, &trigger.Headers)
	return out, trigger
}

func oldExecutionLists(ex store.Execution) api.Execution {
	out := api.Execution{Outputs: []api.OutputValue{}, Resources: []api.ExecutionResource{}}
	_ = json.Unmarshal(ex.Outputs, &out.Outputs)
	_ = json.Unmarshal(ex.Resources, &out.Resources)
	return out
}

func oldEventObjects(ev store.Event) oldEvent {
	out := oldEvent{Raw: map[string]any{}, Headers: map[string]any{}}
	_ = json.Unmarshal(ev.Raw, &out.Raw)
	_ = json.Unmarshal(ev.Headers, &out.Headers)
	return out
}

func oldSourceSpec(es store.EventSource) *api.EventSourceSpec {
	spec := &api.EventSourceSpec{Type: es.Type, Events: []api.EventSourceEventType{}}
	if len(es.Events) > 0 {
		_ = json.Unmarshal(es.Events, &spec.Events)
	}
	if len(es.Schedule) > 0 {
		_ = json.Unmarshal(es.Schedule, &spec.Schedule)
	}
	return spec
}

func wire(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sameWire(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := wire(t, got), wire(t, want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// TestStoredColumnsAnswerAsBefore: every JSON column, in each form rows
// hold (nothing, JSON null, an empty list, golden values as the server
// wrote them), is answered with the same bytes as before the store's typed
// columns (event payloads, now passed through as stored, with the same
// JSON value: see TestRawPayloadsAnswerTheSameValue); a column that does
// not decode is answered as before (empty) and is now logged with its
// record, id and field.
func TestStoredColumnsAnswerAsBefore(t *testing.T) {
	var logged bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	at := time.Date(2026, 12, 6, 6, 0, 0, 123456000, time.UTC)

	lists := map[string][]string{
		"inputs":    {``, `null`, `[]`, `[{"name":"VERSION","value":"1.0"},{"name":"E","value":""}]`},
		"approvals": {``, `null`, `[]`, `[{"approvedBy":"u1","approvedAt":"2026-12-06T06:00:00.123456Z"},{"approvedBy":"u2","approvedAt":null}]`},
		"outputs":   {``, `null`, `[]`, `[{"name":"url","value":"https://example.test"}]`},
		"resources": {``, `null`, `[]`, `[{"id":"42","type":"workflow_run","state":"finished","result":"passed"}]`},
		"events":    {``, `null`, `[]`, `[{"type":"push","filters":[{"type":"FILTER_TYPE_DATA","data":{"expression":"$.ref == 'main'"}}],"filterOperator":"FILTER_OPERATOR_AND"}]`},
		"schedule":  {``, `null`, `{"type":"TYPE_DAILY","daily":{"time":"06:00"}}`},
		"objects":   {``, `null`, `{}`, `{"ref":"refs/heads/main","n":1.5,"big":12345678901234567890,"nested":{"a":[true,null,"x"]}}`},
		"headers":   {``, `null`, `{}`, `{"x-github-event":"push","content-type":"application/json"}`},
	}
	for i := range 4 {
		pick := func(kind string) []byte {
			v := lists[kind]
			return []byte(v[min(i, len(v)-1)])
		}
		ev := store.StageEvent{ID: "se-1", CreatedAt: at, Inputs: pick("inputs"), Approvals: pick("approvals"), TriggerPayload: pick("objects"), TriggerHeaders: pick("headers")}
		got := s.stageEventToAPI(ev)
		want, trigger := oldStageEventLists(ev)
		sameWire(t, "inputs "+string(ev.Inputs), got.Inputs, want.Inputs)
		sameWire(t, "approvals "+string(ev.Approvals), got.Approvals, want.Approvals)
		sameValue(t, "trigger payload "+string(ev.TriggerPayload), got.TriggerEvent.Raw, trigger.Raw)
		sameValue(t, "trigger headers "+string(ev.TriggerHeaders), got.TriggerEvent.Headers, trigger.Headers)

		ex := store.Execution{ID: "ex-1", CreatedAt: at, Outputs: pick("outputs"), Resources: pick("resources")}
		gotEx, wantEx := s.executionToAPI(ex, nil), oldExecutionLists(ex)
		sameWire(t, "outputs "+string(ex.Outputs), gotEx.Outputs, wantEx.Outputs)
		sameWire(t, "resources "+string(ex.Resources), gotEx.Resources, wantEx.Resources)

		event := store.Event{ID: "ev-1", ReceivedAt: at, Raw: pick("objects"), Headers: pick("headers")}
		gotEv, wantEv := s.eventToAPI(event), oldEventObjects(event)
		sameValue(t, "raw "+string(event.Raw), gotEv.Raw, wantEv.Raw)
		sameValue(t, "headers "+string(event.Headers), gotEv.Headers, wantEv.Headers)

		es := store.EventSource{ID: "es-1", Type: "github", Events: pick("events"), Schedule: pick("schedule")}
		gotSpec := s.sourceToAPI(service.Source{EventSource: es}).Spec
		wantSpec := oldSourceSpec(es)
		sameWire(t, "events "+string(es.Events), gotSpec.Events, wantSpec.Events)
		sameWire(t, "schedule "+string(es.Schedule), gotSpec.Schedule, wantSpec.Schedule)
	}
	if logged.Len() != 0 {
		t.Fatalf("valid columns were logged as corrupt:\n%s", logged.String())
	}

	// Damaged: the answer is what it always was, and the log names them.
	ev := store.StageEvent{ID: "se-bad", CreatedAt: at, Inputs: []byte(`[{"name":`), Approvals: []byte(`nope`)}
	got := s.stageEventToAPI(ev)
	want, _ := oldStageEventLists(ev)
	sameWire(t, "damaged inputs", got.Inputs, want.Inputs)
	sameWire(t, "damaged approvals", got.Approvals, want.Approvals)
	stage := s.stageSpec(store.Stage{ID: "st-bad", Spec: []byte(`{"executor":`)})
	sameWire(t, "damaged spec", stage, &api.StageSpec{})
	for _, part := range []string{"stage event se-bad: inputs: corrupt column", "stage event se-bad: approvals: corrupt column", "stage st-bad: spec: corrupt column"} {
		if !strings.Contains(logged.String(), part) {
			t.Errorf("the log does not say %q:\n%s", part, logged.String())
		}
	}
}
