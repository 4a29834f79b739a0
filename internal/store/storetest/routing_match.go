package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// The routing callback runs between the claim and the routing transaction
// (RouteEventsBatch): these tests change the store from inside it, which
// the transaction it once ran in did not allow.

// routeTo returns a stage event of ev for each stage, the organization and
// canvas left for the store to fill in.
func routeTo(ev store.Event, stages ...store.Stage) []store.StageEvent {
	var out []store.StageEvent
	for _, st := range stages {
		se := newStageEvent(st, store.StageEventPending, ev.ReceivedAt)
		se.OrgID, se.CanvasID, se.TriggerEventID, se.TriggerSourceName = "", "", ev.ID, ev.SourceName
		out = append(out, se)
	}
	return out
}

// queued returns the ids of the events in the stage's queue and history,
// sorted.
func queued(t *testing.T, s store.Store, st store.Stage) []string {
	t.Helper()
	evs, err := s.ListStageEvents(t.Context(), st.OrgID, st.CanvasID, st.ID, nil, store.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListStageEvents(%s): %v", st.Name, err)
	}
	ids := []string{}
	for _, se := range evs {
		ids = append(ids, se.TriggerEventID)
	}
	slices.Sort(ids)
	return ids
}

// sorted returns ids sorted, to compare with queued.
func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// testRouteEventsStagesChanged: an event matched against stages that
// change before its routing transaction (a stage deleted, a stage created)
// gets nothing written and is released, without counting an attempt and
// without an error, to be matched again by the next call, which routes it
// against the stages as they are then; the events matched after the
// change are routed at once.
func testRouteEventsStagesChanged(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	deploy := mustStage(t, s, org.ID, c.ID, "deploy")
	gone := mustStage(t, s, org.ID, c.ID, "gone")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	first := mustInsertEvent(t, s, newEvent(es, "", base))
	second := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))

	// Each event goes to every stage the canvas has at the version read.
	var added store.Stage
	change := map[string]func(){}
	match := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		stages, err := s.ListStages(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		if f := change[ev.ID]; f != nil {
			delete(change, ev.ID)
			f() // after the match, before the routing transaction
		}
		return store.Routed{StageEvents: routeTo(ev, stages...), StagesVersion: v, StagesVersionKnown: true}, nil
	}
	checkEvent := func(ev store.Event, state string, attempts int) {
		t.Helper()
		got, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID)
		if err != nil {
			t.Fatalf("FindEvent: %v", err)
		}
		if got.State != state || got.RouteAttempts != attempts || got.StateMessage != "" {
			t.Fatalf("event: %s after %d attempts (%q), want %s after %d and no message",
				got.State, got.RouteAttempts, got.StateMessage, state, attempts)
		}
	}

	// A stage deleted between the first event's match and the write: its
	// stage event would have been refused, an attempt charged to it.
	change[first.ID] = func() {
		if err := s.DeleteStage(ctx, org.ID, c.ID, gone.ID); err != nil {
			t.Errorf("DeleteStage: %v", err)
		}
	}
	b, err := s.RouteEventsBatch(ctx, now(), 10, match)
	if err != nil || b.Done != 1 {
		t.Fatalf("RouteEventsBatch with a stage deleted meanwhile = %+v, %v; want 1 done", b, err)
	}
	equal(t, "routing ended for", b.Ended, []string{second.ID})
	checkEvent(first, store.EventPending, 0)
	checkEvent(second, store.EventProcessed, 1)
	equal(t, "deploy's queue", queued(t, s, deploy), []string{second.ID})

	// Matched again, against the stages as they are now; this time a
	// stage is created between the match and the write.
	change[first.ID] = func() { added = mustStage(t, s, org.ID, c.ID, "added") }
	b, err = s.RouteEventsBatch(ctx, now(), 10, match)
	if err != nil || b.Done != 0 || len(b.Ended) != 0 {
		t.Fatalf("RouteEventsBatch with a stage created meanwhile = %+v, %v; want nothing done", b, err)
	}
	checkEvent(first, store.EventPending, 0)
	b, err = s.RouteEventsBatch(ctx, now(), 10, match)
	if err != nil || b.Done != 1 {
		t.Fatalf("RouteEventsBatch once the stages hold = %+v, %v; want 1 done", b, err)
	}
	equal(t, "routing ended for", b.Ended, []string{first.ID})
	checkEvent(first, store.EventProcessed, 1)
	equal(t, "deploy's queue", queued(t, s, deploy), sorted(first.ID, second.ID))
	equal(t, "the new stage's queue", queued(t, s, added), []string{first.ID})

	// An event matched at no known version is written as route gave it.
	third := mustInsertEvent(t, s, newEvent(es, "", base.Add(2*time.Second)))
	if _, err := s.UpdateStage(ctx, org.ID, c.ID, "added", func(st *store.Stage) error { st.Description = "changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	b, err = s.RouteEventsBatch(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		return store.Routed{StageEvents: routeTo(ev, deploy), StagesVersion: -1}, nil
	})
	if err != nil || b.Done != 1 {
		t.Fatalf("RouteEventsBatch without a version = %+v, %v; want 1 done", b, err)
	}
	checkEvent(third, store.EventProcessed, 1)
}

// testRouteEventsOnce: route is called once an event even when the store
// refuses a stage event and writes the batch again in savepoints; Ended
// names the events routed or rejected by route, not those left pending.
func testRouteEventsOnce(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	other := mustCanvas(t, s, org.ID, "other")
	deploy := mustStage(t, s, org.ID, c.ID, "deploy")
	elsewhere := mustStage(t, s, org.ID, other.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	refused := mustInsertEvent(t, s, newEvent(es, "", base))
	fine := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	rejected := mustInsertEvent(t, s, newEvent(es, "", base.Add(2*time.Second)))
	failing := mustInsertEvent(t, s, newEvent(es, "", base.Add(3*time.Second)))

	calls := map[string]int{}
	b, err := s.RouteEventsBatch(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		calls[ev.ID]++
		switch ev.ID {
		case refused.ID:
			return store.Routed{StageEvents: routeTo(ev, elsewhere)}, nil // another canvas's stage
		case rejected.ID:
			return store.Routed{}, store.Reject("", "cannot be judged")
		case failing.ID:
			return store.Routed{}, errors.New("route failed")
		}
		return store.Routed{StageEvents: routeTo(ev, deploy)}, nil
	})
	if err != nil || b.Done != 2 {
		t.Fatalf("RouteEventsBatch = %+v, %v; want 2 done", b, err)
	}
	equal(t, "routing ended for", b.Ended, []string{fine.ID, rejected.ID})
	equal(t, "route calls by event", calls, map[string]int{refused.ID: 1, fine.ID: 1, rejected.ID: 1, failing.ID: 1})
	equal(t, "deploy's queue", queued(t, s, deploy), []string{fine.ID})
	for _, ev := range []store.Event{refused, failing} {
		got, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID)
		if err != nil || got.State != store.EventPending || got.StateMessage == "" || got.RouteAttempts != 1 {
			t.Errorf("event left pending: %+v, %v; want pending with its error after one attempt", got, err)
		}
	}
}

// testRouteEventsLeaseTakenOver: an event whose lease runs out while it is
// matched, and which another server claims and routes meanwhile, gets
// nothing written by the first call, whether the other server has routed
// it or is still matching it; the first call's other events, still leased
// to it, are routed by it.
func testRouteEventsLeaseTakenOver(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	deploy := mustStage(t, s, org.ID, c.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	slow := mustInsertEvent(t, s, newEvent(es, "", base))
	other := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))

	start := now()
	var later store.RoutedBatch
	b, err := s.RouteEventsBatch(ctx, start, 10, func(ev store.Event) (store.Routed, error) {
		if ev.ID == slow.ID {
			// Another server, past this call's lease.
			var err error
			later, err = s.RouteEventsBatch(ctx, start.Add(store.RouteLease+time.Second), 10, func(ev store.Event) (store.Routed, error) {
				return store.Routed{StageEvents: routeTo(ev, deploy)}, nil
			})
			if err != nil {
				t.Errorf("the other server's RouteEventsBatch: %v", err)
			}
		}
		return store.Routed{StageEvents: routeTo(ev, deploy)}, nil
	})
	if err != nil {
		t.Fatalf("RouteEventsBatch: %v", err)
	}
	// The other server found both leases run out and, the first event's
	// attempt unfinished, tried it alone.
	equal(t, "the other server's routing ended for", later.Ended, []string{slow.ID})
	equal(t, "the first server's routing ended for", b.Ended, []string{other.ID})
	equal(t, "deploy's queue, each event once", queued(t, s, deploy), sorted(slow.ID, other.ID))

	// The other server has claimed the event and is still matching it when
	// the first call writes: the event is pending, but leased to the
	// other, which routes it.
	held := mustInsertEvent(t, s, newEvent(es, "", base.Add(2*time.Second)))
	start = now()
	claimed, release := make(chan struct{}), make(chan struct{})
	otherDone := make(chan store.RoutedBatch, 1)
	b, err = s.RouteEventsBatch(ctx, start, 10, func(ev store.Event) (store.Routed, error) {
		go func() {
			b, err := s.RouteEventsBatch(ctx, start.Add(store.RouteLease+time.Second), 10, func(ev store.Event) (store.Routed, error) {
				close(claimed)
				<-release
				return store.Routed{StageEvents: routeTo(ev, deploy)}, nil
			})
			if err != nil {
				t.Errorf("the other server's RouteEventsBatch: %v", err)
			}
			otherDone <- b
		}()
		select {
		case <-claimed:
		case <-time.After(10 * time.Second):
			t.Error("the other server did not claim the event within 10 s")
		}
		return store.Routed{StageEvents: routeTo(ev, deploy)}, nil
	})
	close(release)
	if err != nil || b.Done != 0 || len(b.Ended) != 0 {
		t.Fatalf("RouteEventsBatch of an event another server holds = %+v, %v; want nothing done", b, err)
	}
	select {
	case later = <-otherDone:
	case <-time.After(10 * time.Second):
		t.Fatal("the other server's routing did not end within 10 s")
	}
	equal(t, "the other server's routing ended for", later.Ended, []string{held.ID})
	equal(t, "deploy's queue, each event once", queued(t, s, deploy), sorted(slow.ID, other.ID, held.ID))
}
