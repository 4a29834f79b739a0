package storetest

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testQueueDepths: the waiting work is counted across organizations, by
// kind, finished and processed work is not, and a count past its bound is
// answered as the bound, marked capped.
func testQueueDepths(t *testing.T, s store.Store) {
	ctx := t.Context()
	if d, err := s.QueueDepths(ctx, 100); err != nil || d != (store.QueueDepths{}) {
		t.Fatalf("QueueDepths of an empty database = %+v, %v; want zeros", d, err)
	}
	acme := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, acme.ID, "prod")
	running := mustStage(t, s, acme.ID, c.ID, "running")
	queued := mustStage(t, s, acme.ID, c.ID, "queued")
	busy := mustStage(t, s, acme.ID, c.ID, "busy")
	base := now().Add(-time.Hour)
	startExecution(t, s, running, base)
	claim(t, s, "server-1", now(), now().Add(time.Hour))
	startExecution(t, s, queued, base.Add(time.Second))
	mustStageEvents(t, s,
		newStageEvent(busy, store.StageEventPending, base),
		newStageEvent(busy, store.StageEventPending, base.Add(time.Second)),
		newStageEvent(busy, store.StageEventWaiting, base.Add(2*time.Second)),
		newStageEvent(busy, store.StageEventProcessed, base.Add(3*time.Second)),
		newStageEvent(busy, store.StageEventDiscarded, base.Add(4*time.Second)),
	)
	// Another organization's queue is in the totals too.
	globex := mustOrg(t, s, "globex")
	gc := mustCanvas(t, s, globex.ID, "prod")
	gs := mustStage(t, s, globex.ID, gc.ID, "deploy")
	mustStageEvents(t, s, newStageEvent(gs, store.StageEventPending, base))
	es := mustEventSource(t, s, newEventSource(globex.ID, gc.ID, "hook", "webhook", store.Integration{}))
	for _, id := range []string{"d-1", "d-2", "d-3"} {
		mustInsertEvent(t, s, newEvent(es, id, base))
	}

	d, err := s.QueueDepths(ctx, 100)
	want := store.QueueDepths{EventsUnrouted: 3, StageEventsPending: 3, StageEventsWaiting: 1, ExecutionsPending: 1, ExecutionsStarted: 1}
	if err != nil || d != want {
		t.Fatalf("QueueDepths = %+v, %v; want %+v", d, err, want)
	}
	d, err = s.QueueDepths(ctx, 2)
	want = store.QueueDepths{EventsUnrouted: 2, StageEventsPending: 2, StageEventsWaiting: 1, ExecutionsPending: 1, ExecutionsStarted: 1, Capped: true}
	if err != nil || d != want {
		t.Fatalf("QueueDepths, bound 2 = %+v, %v; want %+v", d, err, want)
	}
}
