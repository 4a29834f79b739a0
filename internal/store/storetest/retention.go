package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testPruneEvents: history older than the retention goes in bounded
// batches (processed and discarded stage events with their finished
// executions, routed and rejected events), and nothing a queue still needs
// goes: pending events, queued stage events and the events they came from,
// a stage event whose execution has not finished, and a source's last
// event. Recent history stays.
func testPruneEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "hook", "webhook", store.Integration{}))
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	cutoff := now().Add(-90 * 24 * time.Hour)
	old := cutoff.Add(-time.Hour)
	recent := cutoff.Add(time.Hour)

	event := func(state string, at time.Time) store.Event {
		t.Helper()
		ev := newEvent(es, uuid.NewString(), at)
		ev.State = state
		return mustInsertEvent(t, s, ev)
	}
	oldRouted := event(store.EventProcessed, old)
	oldRejected := event(store.EventRejected, old)
	oldPending := event(store.EventPending, old)
	oldQueuedFrom := event(store.EventProcessed, old)
	recentRouted := event(store.EventProcessed, recent)
	last := event(store.EventProcessed, old) // inserted last: the source's last event

	owner := "server-1"
	done := startExecution(t, s, st, old)
	done = finish(t, s, findExecution(t, s, claimUntil(t, s, owner, done.ID)), owner, "RESULT_PASSED", old)
	running := startExecution(t, s, st, old)
	discarded := newStageEvent(st, store.StageEventDiscarded, old)
	queued := newStageEvent(st, store.StageEventPending, old)
	queued.TriggerEventID = oldQueuedFrom.ID
	waiting := newStageEvent(st, store.StageEventWaiting, old)
	recentProcessed := newStageEvent(st, store.StageEventProcessed, recent)
	mustStageEvents(t, s, discarded, queued, waiting, recentProcessed)

	// One batch: at most one stage event and one event.
	if n, err := s.PruneEvents(ctx, cutoff, 1); err != nil || n != 2 {
		t.Fatalf("PruneEvents(limit 1) = %d, %v; want 2 (a stage event and an event)", n, err)
	}
	total := 2
	for i := 0; i < 10; i++ {
		n, err := s.PruneEvents(ctx, cutoff, 100)
		if err != nil {
			t.Fatalf("PruneEvents: %v", err)
		}
		total += n
		if n < 100 {
			break
		}
	}
	if total != 4 {
		t.Errorf("PruneEvents removed %d rows, want 4 (2 old events, the old finished and discarded stage events)", total)
	}

	for _, ev := range []store.Event{oldRouted, oldRejected} {
		_, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, ev := range []store.Event{oldPending, oldQueuedFrom, recentRouted, last} {
		findEvent(t, s, ev, es)
	}
	if got := findEventSource(t, s, es); got.LastEventID != last.ID {
		t.Errorf("the source's last event = %q, want %q (kept)", got.LastEventID, last.ID)
	}

	_, err := s.FindStageEvent(ctx, org.ID, c.ID, st.ID, done.StageEventID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindExecution(ctx, org.ID, c.ID, st.ID, done.ID)
	wantErr(t, err, store.ErrNotFound)
	_, err = s.FindStageEvent(ctx, org.ID, c.ID, st.ID, discarded.ID)
	wantErr(t, err, store.ErrNotFound)
	for _, ev := range []store.StageEvent{queued, waiting, recentProcessed} {
		findStageEvent(t, s, ev)
	}
	if got := findExecution(t, s, running); got.State == store.ExecutionFinished {
		t.Fatalf("the running execution is %s", got.State)
	}
	findStageEvent(t, s, store.StageEvent{ID: running.StageEventID, OrgID: org.ID, CanvasID: c.ID, StageID: st.ID})

	// Once the execution finishes, its history may go too.
	claimUntil(t, s, owner, running.ID)
	finish(t, s, findExecution(t, s, running), owner, "RESULT_PASSED", old)
	if n, err := s.PruneEvents(ctx, cutoff, 100); err != nil || n != 1 {
		t.Fatalf("PruneEvents after the execution finished = %d, %v; want 1", n, err)
	}
	_, err = s.FindExecution(ctx, org.ID, c.ID, st.ID, running.ID)
	wantErr(t, err, store.ErrNotFound)

	if n, err := s.PruneEvents(ctx, cutoff, 0); err != nil || n != 0 {
		t.Errorf("PruneEvents(limit 0) = %d, %v; want nothing done", n, err)
	}
}
