package engine

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestPruneEvents: with an event retention, the engine removes events and
// stage history older than it in bounded batches, at most every
// pruneEvery, and keeps what a queue still needs and what is recent; with
// none (0) it keeps everything.
func TestPruneEvents(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC)
	st, org, canvas := newCanvas(t, now)
	src := store.EventSource{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: "hook", Type: "webhook",
		KeyID: "k", KeyCiphertext: []byte("sealed"), KeyVersion: 1, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateEventSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	stage := store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: "deploy",
		Spec:      []byte(`{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"executor":{"type":"TYPE_HTTP"}}`),
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStage(ctx, stage); err != nil {
		t.Fatal(err)
	}
	retention := 7 * 24 * time.Hour
	old := now.Add(-retention - time.Hour)

	event := func(state string, at time.Time) store.Event {
		t.Helper()
		ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: src.ID, Type: "push",
			Raw: []byte(`{}`), Headers: []byte(`{}`), State: state, ReceivedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	stageEvent := func(state, trigger string, at time.Time) store.StageEvent {
		return store.StageEvent{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, StageID: stage.ID,
			Connection: "hook", TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: src.ID, TriggerSourceName: "hook",
			TriggerEventID: trigger, TriggerType: "push", TriggerPayload: []byte(`{}`), TriggerHeaders: []byte(`{}`),
			State: state, Inputs: []byte(`[]`), Approvals: []byte(`[]`), CreatedAt: at}
	}
	oldRouted := event(store.EventProcessed, old)
	queuedFrom := event(store.EventProcessed, old)
	recent := event(store.EventProcessed, now.Add(-time.Hour))
	history := make([]store.StageEvent, pruneBatch*pruneBatches+5)
	for i := range history {
		history[i] = stageEvent(store.StageEventProcessed, oldRouted.ID, old)
	}
	queued := stageEvent(store.StageEventPending, queuedFrom.ID, old)
	if err := st.InsertStageEvents(ctx, append(history, queued, stageEvent(store.StageEventProcessed, recent.ID, now))); err != nil {
		t.Fatal(err)
	}
	stageEvents := func() int {
		t.Helper()
		evs, err := st.ListStageEvents(ctx, org.ID, canvas.ID, stage.ID, nil, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	exists := func(ev store.Event) bool {
		t.Helper()
		_, err := st.FindEvent(ctx, org.ID, canvas.ID, ev.ID)
		return err == nil
	}
	logs := slog.New(slog.NewTextHandler(io.Discard, nil))

	clock := now
	forever := New(st, nil, logs, WithClock(func() time.Time { return clock }), WithEventRetention(0))
	forever.prune(ctx)
	if !exists(oldRouted) {
		t.Fatal("with no retention an old event was deleted")
	}

	e := New(st, nil, logs, WithClock(func() time.Time { return clock }), WithEventRetention(retention))
	e.prune(ctx)
	// The first batch takes 1,000 stage events and the old routed event;
	// nine more take 9,000 stage events: 5 old ones stay for the next pass.
	if got := stageEvents(); got != 5+2 {
		t.Fatalf("after one pass %d stage events are left, want the 5 beyond the pass's %d batches, the queued and the recent", got, pruneBatches)
	}
	if exists(oldRouted) || !exists(queuedFrom) || !exists(recent) {
		t.Fatalf("after one pass: old routed event kept %v (want false), queued one's event kept %v, recent kept %v (want true)",
			exists(oldRouted), exists(queuedFrom), exists(recent))
	}
	clock = clock.Add(pruneEvery - time.Second)
	e.prune(ctx)
	if got := stageEvents(); got != 5+2 {
		t.Fatalf("a pass within %s of the last pruned again: %d stage events left", pruneEvery, got)
	}
	clock = clock.Add(time.Second)
	e.prune(ctx)
	if got := stageEvents(); got != 2 {
		t.Fatalf("after %s the old history should be gone: %d stage events left, want the queued and the recent", pruneEvery, got)
	}
	if _, err := st.FindStageEvent(ctx, org.ID, canvas.ID, stage.ID, queued.ID); err != nil {
		t.Fatalf("the queued stage event went: %v", err)
	}
}
