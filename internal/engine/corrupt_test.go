package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// corruptStore holds one stage, one stage event and the stages of a
// canvas; every other store method is the nil interface's (a call panics,
// failing the test).
type corruptStore struct {
	store.Store
	stage    store.Stage
	event    store.StageEvent
	stages   []store.Stage
	finished []store.Execution
	started  int
	waited   []string // the reasons WaitStageEvent recorded
	alerts   []store.Alert
	rejected []store.Rejection
}

func (s *corruptStore) RaiseAlert(_ context.Context, a store.Alert) (store.Alert, error) {
	s.alerts = append(s.alerts, a)
	return a, nil
}

func (s *corruptStore) InsertRejections(_ context.Context, rs []store.Rejection) error {
	s.rejected = append(s.rejected, rs...)
	return nil
}

func (s *corruptStore) FindStageByID(context.Context, string) (store.Stage, error) {
	return s.stage, nil
}

func (s *corruptStore) FindStageEvent(context.Context, string, string, string, string) (store.StageEvent, error) {
	return s.event, nil
}

func (s *corruptStore) ListStages(context.Context, string, string) ([]store.Stage, error) {
	return s.stages, nil
}

// StagesVersion has no canvas to read: routing lists the stages each time.
func (s *corruptStore) StagesVersion(context.Context, string, string) (int64, error) {
	return 0, store.NotFound("no canvases here")
}

func (s *corruptStore) FinishExecution(_ context.Context, ex store.Execution, _ string, _ []store.StageEvent) error {
	s.finished = append(s.finished, ex)
	return nil
}

func (s *corruptStore) StartExecution(context.Context, string, store.Execution) error {
	s.started++
	return nil
}

func (s *corruptStore) WaitStageEvent(_ context.Context, _ store.StageEvent, _ []byte, reason string, _ time.Time) error {
	s.waited = append(s.waited, reason)
	return nil
}

func specJSON(t *testing.T, spec api.StageSpec) []byte {
	t.Helper()
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func quietEngine(st store.Store) *Engine {
	return New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestCorruptInputsFailTheExecution: a stage event whose stored inputs do
// not decode fails its execution with a message naming the field; it never
// runs with no inputs.
func TestCorruptInputsFailTheExecution(t *testing.T) {
	st := &corruptStore{
		stage: store.Stage{ID: "st-1", Name: "deploy", Spec: specJSON(t, api.StageSpec{Executor: &api.Executor{Type: api.ExecutorNoop}})},
		event: store.StageEvent{ID: "se-1", StageID: "st-1", Inputs: []byte(`[{"name":`)},
	}
	quietEngine(st).execute(t.Context(), Config{}.withDefaults(), "owner", store.Execution{ID: "ex-1", StageID: "st-1", StageEventID: "se-1"}, false)
	if len(st.finished) != 1 {
		t.Fatalf("finished %d executions, want 1", len(st.finished))
	}
	ex := st.finished[0]
	if ex.Result != api.ResultFailed || ex.ResultReason != api.ResultReasonError {
		t.Fatalf("result %s/%s, want failed with an error", ex.Result, ex.ResultReason)
	}
	if !strings.Contains(ex.ResultMessage, "stage event se-1: inputs: corrupt column") {
		t.Fatalf("message %q does not name the stage event's inputs", ex.ResultMessage)
	}
}

// TestCorruptSpecFailsTheExecution: a stage whose stored spec does not
// decode fails its execution naming the stage and the field, instead of
// running an empty spec.
func TestCorruptSpecFailsTheExecution(t *testing.T) {
	st := &corruptStore{
		stage: store.Stage{ID: "st-1", Name: "deploy", Spec: []byte(`{"executor":`)},
		event: store.StageEvent{ID: "se-1", StageID: "st-1"},
	}
	quietEngine(st).execute(t.Context(), Config{}.withDefaults(), "owner", store.Execution{ID: "ex-1", StageID: "st-1", StageEventID: "se-1"}, false)
	if len(st.finished) != 1 || st.finished[0].Result != api.ResultFailed {
		t.Fatalf("finished %+v, want one failed execution", st.finished)
	}
	if msg := st.finished[0].ResultMessage; !strings.Contains(msg, "stage st-1: spec: corrupt column") {
		t.Fatalf("message %q does not name the stage's spec", msg)
	}
}

// TestCorruptApprovalsKeepTheEventQueued: approvals that do not decode are
// not a way past the condition: the event starts no execution, waits, and
// the log says why.
func TestCorruptApprovalsKeepTheEventQueued(t *testing.T) {
	spec := api.StageSpec{Conditions: []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}}}}
	st := &corruptStore{stage: store.Stage{ID: "st-1", Spec: specJSON(t, spec)}}
	head := store.StageEvent{ID: "se-1", StageID: "st-1", Approvals: []byte(`[{"approvedBy":"u1","approvedAt":"not a time"}]`)}
	var logged bytes.Buffer
	New(st, nil, slog.New(slog.NewTextHandler(&logged, nil))).advance(t.Context(), head, map[string]store.Stage{})
	if st.started != 0 {
		t.Fatal("an event whose approvals do not decode started an execution")
	}
	if !strings.Contains(logged.String(), "stage event se-1: approvals: corrupt column") {
		t.Fatalf("the log does not name the event's approvals:\n%s", logged.String())
	}
	// It waits for approval, parked until the recheck, not looked at (and
	// logged) every pass.
	if len(st.waited) != 1 || st.waited[0] != api.StageEventReasonApproval {
		t.Fatalf("waits recorded: %q; want one for approval", st.waited)
	}
	// The same event with the approval readable starts: the test above
	// fails for the reason it names.
	head.Approvals = []byte(`[{"approvedBy":"u1","approvedAt":"2026-12-06T06:00:00Z"}]`)
	quietEngine(st).advance(t.Context(), head, map[string]store.Stage{})
	if st.started != 1 {
		t.Fatalf("started %d executions for an approved event, want 1", st.started)
	}
}

// TestCorruptEventPayloadRejectsTheEvent: an event whose stored payload
// does not decode is rejected with a message naming the field, not routed
// as an empty payload.
func TestCorruptEventPayloadRejectsTheEvent(t *testing.T) {
	conn := api.Connection{Type: api.ConnectionTypeEventSource, Name: "hook"}
	st := &corruptStore{stages: []store.Stage{{ID: "st-1", Name: "deploy", Spec: specJSON(t, api.StageSpec{Connections: []api.Connection{conn}})}}}
	e := quietEngine(st)
	ev := store.Event{ID: "ev-1", SourceName: "hook", Raw: []byte(`{"ref":`), Headers: []byte(`{}`)}
	out, _, err := e.routeEvent(t.Context(), ev, map[string]versionedStages{}, &findings{})
	var rej *store.RejectError
	if !errors.As(err, &rej) || rej.Reason != store.StateReasonError || !strings.Contains(rej.Message, "event ev-1: raw: corrupt column") {
		t.Fatalf("routing a corrupt payload: %v, %v; want a rejection naming the raw payload", out, err)
	}
	ev.Raw = []byte(`{"ref":"main"}`)
	if out, _, err := e.routeEvent(t.Context(), ev, map[string]versionedStages{}, &findings{}); err != nil || len(out) != 1 {
		t.Fatalf("routing a readable payload: %d stage events, %v; want 1", len(out), err)
	}
}

// TestCorruptSpecSkipsOnlyThatStage: routing skips a stage whose spec does
// not decode and still gives the other stages their stage events.
func TestCorruptSpecSkipsOnlyThatStage(t *testing.T) {
	conn := api.Connection{Type: api.ConnectionTypeEventSource, Name: "hook"}
	st := &corruptStore{stages: []store.Stage{
		{ID: "st-bad", Name: "bad", Spec: []byte(`{"connections":[`)},
		{ID: "st-ok", Name: "ok", Spec: specJSON(t, api.StageSpec{Connections: []api.Connection{conn}})},
	}}
	ev := store.Event{ID: "ev-1", SourceName: "hook", Raw: []byte(`{}`), Headers: []byte(`{}`)}
	out, _, err := quietEngine(st).routeEvent(t.Context(), ev, map[string]versionedStages{}, &findings{})
	if err != nil || len(out) != 1 || out[0].StageID != "st-ok" {
		t.Fatalf("routing: %+v, %v; want one stage event for st-ok", out, err)
	}
}

// TestCorruptSpecKeepsTheQueueWaiting: a queue head whose stage's spec
// does not decode starts nothing (an empty spec has no conditions); it is
// parked until the recheck, with the reason it had.
func TestCorruptSpecKeepsTheQueueWaiting(t *testing.T) {
	st := &corruptStore{stage: store.Stage{ID: "st-1", Spec: []byte(`{"conditions":[`)}}
	head := store.StageEvent{ID: "se-1", StageID: "st-1", StateReason: api.StageEventReasonApproval, Approvals: []byte(`[]`)}
	quietEngine(st).advance(t.Context(), head, map[string]store.Stage{})
	if st.started != 0 || len(st.waited) != 1 || st.waited[0] != api.StageEventReasonApproval {
		t.Fatalf("started %d, waits %q; want none started and one wait for approval", st.started, st.waited)
	}
}
