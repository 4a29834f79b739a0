package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testJSONColumns: the JSON columns read back byte for byte, rows written
// as the server always wrote them decode into the store's typed values, and
// a column that does not decode is an error naming its record and field,
// while the row itself still reads (one damaged row never hides the others).
// A stage spec that does not decode is not written.
func testJSONColumns(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	approvedAt := time.Date(2026, 12, 6, 6, 0, 0, 123456000, time.UTC)

	// Golden bytes: what json.Marshal of the API's values wrote before the
	// store had its own types.
	ev := newStageEvent(st, store.StageEventPending, now().Add(-time.Hour))
	ev.Inputs = []byte(`[{"name":"VERSION","value":"1.0"},{"name":"EMPTY","value":""}]`)
	ev.Approvals = []byte(`[{"approvedBy":"u1","approvedAt":"2026-12-06T06:00:00.123456Z"}]`)
	ev.TriggerPayload = []byte(`{"ref":"refs/heads/main","n":1,"nested":{"a":[true,null]}}`)
	ev.TriggerHeaders = []byte(`{"x-github-event":"push"}`)
	mustStageEvents(t, s, ev)
	got := findStageEvent(t, s, ev)
	equal(t, "inputs bytes", string(got.Inputs), string(ev.Inputs))
	equal(t, "approvals bytes", string(got.Approvals), string(ev.Approvals))
	inputs, err := got.DecodeInputs()
	mustNil(t, "DecodeInputs", err)
	equal(t, "inputs", inputs, []store.KeyValue{{Name: "VERSION", Value: "1.0"}, {Name: "EMPTY", Value: ""}})
	approvals, err := got.DecodeApprovals()
	mustNil(t, "DecodeApprovals", err)
	equal(t, "approvals", approvals, []store.Approval{{ApprovedBy: "u1", ApprovedAt: &approvedAt}})
	payload, err := got.DecodeTriggerPayload()
	mustNil(t, "DecodeTriggerPayload", err)
	equal(t, "trigger payload", payload, map[string]any{"ref": "refs/heads/main", "n": float64(1), "nested": map[string]any{"a": []any{true, nil}}})
	headers, err := got.DecodeTriggerHeaders()
	mustNil(t, "DecodeTriggerHeaders", err)
	equal(t, "trigger headers", headers, map[string]string{"x-github-event": "push"})

	// An execution finished without outputs stored JSON null: it decodes as
	// no outputs, and an execution not finished yet has nothing at all.
	owner := "server-1"
	ex := startExecution(t, s, st, now().Add(-time.Minute))
	resources, err := ex.DecodeResources()
	mustNil(t, "DecodeResources of a new execution", err)
	equal(t, "resources of a new execution", resources, []store.Resource(nil))
	ex = claim(t, s, owner, now(), now().Add(time.Hour))
	ex.Outputs = []byte(`null`)
	ex.Resources = []byte(`[{"id":"42","type":"workflow_run","state":"finished","result":"passed"}]`)
	ex = finish(t, s, ex, owner, "RESULT_PASSED", now())
	equal(t, "outputs bytes", string(ex.Outputs), "null")
	outputs, err := ex.DecodeOutputs()
	mustNil(t, "DecodeOutputs", err)
	equal(t, "outputs", outputs, []store.KeyValue(nil))
	resources, err = ex.DecodeResources()
	mustNil(t, "DecodeResources", err)
	equal(t, "resources", resources, []store.Resource{{ID: "42", Type: "workflow_run", State: "finished", Result: "passed"}})

	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "hook", "github", store.Integration{}))
	src, err := s.FindEventSource(ctx, org.ID, c.ID, es.ID)
	mustNil(t, "FindEventSource", err)
	types, err := src.DecodeEventTypes()
	mustNil(t, "DecodeEventTypes", err)
	equal(t, "event types", types, []string{"push"})
	event := newEvent(es, "d-1", now())
	if _, _, err := s.InsertEvent(ctx, event); err != nil {
		t.Fatalf("InsertEvent: %v", err)
	}
	stored := findEvent(t, s, event, es)
	raw, err := stored.DecodeRaw()
	mustNil(t, "DecodeRaw", err)
	equal(t, "raw", raw, map[string]any{"ref": "refs/heads/main", "delivery": "d-1"})
	eventHeaders, err := stored.DecodeHeaders()
	mustNil(t, "DecodeHeaders", err)
	equal(t, "headers", eventHeaders, map[string]string{"x-github-event": "push"})

	// Damaged columns: the row reads, its decoders say what is wrong.
	bad := newStageEvent(st, store.StageEventPending, now())
	bad.Inputs = []byte(`[{"name":`)
	bad.Approvals = []byte(`{"approvedBy":"u1"}`) // an object, not a list
	mustStageEvents(t, s, bad)
	got = findStageEvent(t, s, bad)
	_, err = got.DecodeInputs()
	wantCorrupt(t, err, "stage event", bad.ID, "inputs")
	_, err = got.DecodeApprovals()
	wantCorrupt(t, err, "stage event", bad.ID, "approvals")
	list, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, nil, store.Page{})
	if err != nil || len(list) < 2 {
		t.Fatalf("ListStageEvents with a damaged row = %d events, %v; want them all", len(list), err)
	}
	// A spec the store cannot read is a spec whose references to secrets
	// and integrations it cannot check: it is not written.
	badStage := newStage(org.ID, c.ID, "damaged")
	badStage.Spec = []byte(`{"secrets":[`)
	wantCorrupt(t, s.CreateStage(ctx, badStage), "stage", badStage.ID, "spec")
	_, err = s.UpdateStage(ctx, org.ID, c.ID, st.ID, func(up *store.Stage) error {
		up.Spec = []byte(`{"executor":`)
		return nil
	})
	wantCorrupt(t, err, "stage", st.ID, "spec")

	badSource := newEventSource(org.ID, c.ID, "bad", "github", store.Integration{})
	badSource.Events = []byte(`[{"type":1}]`)
	mustEventSource(t, s, badSource)
	src, err = s.FindEventSource(ctx, org.ID, c.ID, badSource.ID)
	mustNil(t, "FindEventSource of a damaged source", err)
	_, err = src.DecodeEventTypes()
	wantCorrupt(t, err, "event source", badSource.ID, "events")
}

func mustNil(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// wantCorrupt fails unless err is the store's *CorruptError for field of
// the record id.
func wantCorrupt(t *testing.T, err error, record, id, field string) {
	t.Helper()
	wantErr(t, err, store.ErrCorrupt, record+" "+id+": "+field+": corrupt column")
	var ce *store.CorruptError
	if !errors.As(err, &ce) || ce.Record != record || ce.ID != id || ce.Field != field {
		t.Fatalf("error %v is not a CorruptError for %s %s %s", err, record, id, field)
	}
}

func findEvent(t *testing.T, s store.Store, ev store.Event, es store.EventSource) store.Event {
	t.Helper()
	got, err := s.FindEvent(t.Context(), es.OrgID, es.CanvasID, ev.ID)
	if err != nil {
		t.Fatalf("FindEvent(%s): %v", ev.ID, err)
	}
	return got
}
