package service_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/service"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// countingStore counts the per-row reads a list must not make.
type countingStore struct {
	store.Store
	perRow atomic.Int64
}

func (c *countingStore) FindEvent(ctx context.Context, orgID, canvasID, id string) (store.Event, error) {
	c.perRow.Add(1)
	return c.Store.FindEvent(ctx, orgID, canvasID, id)
}

func (c *countingStore) FindStageEvent(ctx context.Context, orgID, canvasID, stageID, id string) (store.StageEvent, error) {
	c.perRow.Add(1)
	return c.Store.FindStageEvent(ctx, orgID, canvasID, stageID, id)
}

func (c *countingStore) ListStageEvents(ctx context.Context, orgID, canvasID, stageID string, states []string, page store.Page) ([]store.StageEvent, error) {
	c.perRow.Add(1)
	return c.Store.ListStageEvents(ctx, orgID, canvasID, stageID, states, page)
}

func (c *countingStore) ListExecutions(ctx context.Context, orgID, canvasID, stageID string, page store.Page) ([]store.Execution, error) {
	c.perRow.Add(1)
	return c.Store.ListExecutions(ctx, orgID, canvasID, stageID, page)
}

// ListExecutionPage is the executions page itself, with its stage events
// and count.
func (c *countingStore) ListExecutionPage(ctx context.Context, orgID, canvasID, stageID string, page store.Page, countLimit int) (store.ExecutionPage, error) {
	c.perRow.Add(1)
	return c.Store.ListExecutionPage(ctx, orgID, canvasID, stageID, page, countLimit)
}

// TestListsReadNoRowByRow: listing 30 event sources (each with a last
// event), 30 stages (each with a queue and an execution) and 30 executions
// (each with its stage event) reads what every row shows in a fixed number
// of queries, never one per row, and shows it all.
func TestListsReadNoRowByRow(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	cs := &countingStore{Store: f.st}
	svc := service.New(cs, f.sl, slog.New(slog.DiscardHandler))
	c, err := svc.Canvases.Create(ctx, f.p, api.CreateCanvasRequest{Canvas: &api.Canvas{Metadata: &api.CanvasMetadata{Name: "prod"}}})
	if err != nil {
		t.Fatal(err)
	}
	const n = 30
	now := time.Now().UTC().Truncate(time.Microsecond)
	var stages []store.Stage
	for i := range n {
		es := store.EventSource{ID: uuid.NewString(), OrgID: f.p.Organization.ID, CanvasID: c.ID, Name: fmt.Sprintf("src-%d", i),
			Type: api.EventSourceTypeWebhook, Events: []byte(`[]`), KeyID: "key-1", KeyCiphertext: []byte("sealed"), KeyVersion: 1,
			CreatedBy: f.p.User.ID, CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateEventSource(ctx, es); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: es.ID, Type: "webhook", Raw: []byte(`{}`),
			Headers: []byte(`{}`), State: api.EventStatePending, ReceivedAt: now}); err != nil {
			t.Fatal(err)
		}
		st := store.Stage{ID: uuid.NewString(), OrgID: f.p.Organization.ID, CanvasID: c.ID, Name: fmt.Sprintf("stage-%d", i),
			Spec: []byte(`{"executor":{"type":"noop"}}`), CreatedBy: f.p.User.ID, CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateStage(ctx, st); err != nil {
			t.Fatal(err)
		}
		stages = append(stages, st)
	}
	// Every stage has run once and has one event queued; the first has run n times.
	run := func(st store.Stage, at time.Time) {
		ev := store.StageEvent{ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, StageID: st.ID, Connection: "src",
			TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: uuid.NewString(), TriggerSourceName: "src", TriggerEventID: uuid.NewString(),
			TriggerType: "webhook", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`), State: store.StageEventPending,
			Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: at}
		if err := f.st.InsertStageEvents(ctx, []store.StageEvent{ev}); err != nil {
			t.Fatal(err)
		}
		ex := store.Execution{ID: uuid.NewString(), CreatedAt: at}
		if err := f.st.StartExecution(ctx, ev.ID, ex); err != nil {
			t.Fatal(err)
		}
		claimed, ok, err := f.st.ClaimExecution(ctx, "test", now, now.Add(time.Hour), 0)
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		claimed.Result, claimed.FinishedAt = "RESULT_PASSED", now
		if err := f.st.FinishExecution(ctx, claimed, "test", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, st := range stages {
		run(st, now.Add(time.Duration(i)*time.Millisecond))
	}
	for i := range n - 1 {
		run(stages[0], now.Add(time.Second+time.Duration(i)*time.Millisecond))
	}
	for _, st := range stages {
		if err := f.st.InsertStageEvents(ctx, []store.StageEvent{{ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, StageID: st.ID,
			Connection: "src", TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: uuid.NewString(), TriggerSourceName: "src",
			TriggerEventID: uuid.NewString(), TriggerType: "webhook", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
			State: store.StageEventWaiting, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: now}}); err != nil {
			t.Fatal(err)
		}
	}

	cs.perRow.Store(0)
	sources, err := svc.EventSources.List(ctx, f.p, "prod")
	if err != nil || len(sources) != n {
		t.Fatalf("sources: %d, %v", len(sources), err)
	}
	for _, src := range sources {
		if src.LastEvent == nil {
			t.Errorf("source %s shows no last event", src.Name)
		}
	}
	list, err := svc.Stages.List(ctx, f.p, "prod")
	if err != nil || len(list) != n {
		t.Fatalf("stages: %d, %v", len(list), err)
	}
	for _, st := range list {
		if st.QueueTotal != 1 || len(st.Queue) != 1 || st.LastExecution == nil {
			t.Errorf("stage %s: queue %d of %d, last execution %v; want 1 of 1 and one", st.Name, len(st.Queue), st.QueueTotal, st.LastExecution)
		}
	}
	page, err := svc.Stages.Executions(ctx, f.p, "prod", stages[0].Name, store.PageQuery{Limit: fmt.Sprint(n)})
	execs := page.Executions
	if err != nil || len(execs) != n {
		t.Fatalf("executions: %d, %v", len(execs), err)
	}
	for _, ex := range execs {
		if ex.Event == nil {
			t.Errorf("execution %s shows no stage event", ex.ID)
		}
	}
	if got := cs.perRow.Load(); got != 1 {
		// The one is the executions page itself.
		t.Errorf("%d per-row reads while listing, want 1 (the executions page): every row's extras come in one read", got)
	}
}
