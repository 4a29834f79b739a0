package storetest

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func testRouteEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	staging := mustCanvas(t, s, org.ID, "staging")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	elsewhere := mustStage(t, s, org.ID, staging.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))

	base := now().Add(-time.Hour)
	newer := mustInsertEvent(t, s, newEvent(es, "", base.Add(2*time.Second)))
	oldest := mustInsertEvent(t, s, newEvent(es, "", base))
	middle := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	rejectedEvent := newEvent(es, "", base.Add(-time.Second))
	rejectedEvent.State = "STATE_REJECTED"
	rejected := mustInsertEvent(t, s, rejectedEvent)

	// toStage routes every event to stage target, leaving the organization
	// and canvas for the store to fill in.
	var routedIDs []string
	toStage := func(target store.Stage) func(ev store.Event) ([]store.StageEvent, error) {
		return func(ev store.Event) ([]store.StageEvent, error) {
			routedIDs = append(routedIDs, ev.ID)
			se := newStageEvent(target, store.StageEventPending, ev.ReceivedAt)
			se.OrgID, se.CanvasID, se.TriggerEventID, se.TriggerSourceName = "", "", ev.ID, ev.SourceName
			return []store.StageEvent{se}, nil
		}
	}
	pendingIDs := func() []string {
		t.Helper()
		var ids []string
		for _, ev := range []store.Event{oldest, middle, newer, rejected} {
			got, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID)
			if err != nil {
				t.Fatalf("FindEvent: %v", err)
			}
			if got.State == "STATE_PENDING" {
				ids = append(ids, ev.ID)
			}
		}
		return ids
	}
	queue := func() []store.StageEvent {
		t.Helper()
		evs, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, nil, store.Page{})
		if err != nil {
			t.Fatalf("ListStageEvents: %v", err)
		}
		return evs
	}

	// The oldest first, a batch at most limit long; rejected events never.
	routedIDs = nil
	n, err := s.RouteEvents(ctx, now(), 2, toStage(st))
	if err != nil || n != 2 {
		t.Fatalf("RouteEvents(2) = %d, %v; want 2", n, err)
	}
	equal(t, "events routed first", routedIDs, []string{oldest.ID, middle.ID})
	equal(t, "pending events after one batch", pendingIDs(), []string{newer.ID})
	q := queue()
	if len(q) != 2 {
		t.Fatalf("queue after one batch has %d stage events, want 2", len(q))
	}
	for _, se := range q {
		if se.OrgID != org.ID || se.CanvasID != c.ID || se.TriggerSourceName != "push" {
			t.Errorf("routed stage event %+v: want the event's organization, canvas and source name", se)
		}
	}
	routedIDs = nil
	if n, err := s.RouteEvents(ctx, now(), 10, toStage(st)); err != nil || n != 1 {
		t.Fatalf("second RouteEvents = %d, %v; want 1", n, err)
	}
	equal(t, "events routed second", routedIDs, []string{newer.ID})
	routedIDs = nil
	if n, err := s.RouteEvents(ctx, now(), 10, toStage(st)); err != nil || n != 0 || len(routedIDs) != 0 {
		t.Fatalf("RouteEvents with nothing pending = %d, %v, routed %v; want none", n, err, routedIDs)
	}
	if got, _ := s.FindEvent(ctx, org.ID, c.ID, rejected.ID); got.State != "STATE_REJECTED" {
		t.Errorf("a rejected event is now %s", got.State)
	}
	// An event may become no stage event at all: it is still processed.
	lone := mustInsertEvent(t, s, newEvent(es, "", now()))
	if n, err := s.RouteEvents(ctx, now(), 10, func(store.Event) ([]store.StageEvent, error) { return nil, nil }); err != nil || n != 1 {
		t.Fatalf("RouteEvents to nowhere = %d, %v; want 1", n, err)
	}
	if got, _ := s.FindEvent(ctx, org.ID, c.ID, lone.ID); got.State != "STATE_PROCESSED" {
		t.Errorf("an event routed to no stage is %s, want STATE_PROCESSED", got.State)
	}

	// route's error, and a stage event the store refuses, fail only their
	// event: it stays pending with the error, the others are routed.
	failing := mustInsertEvent(t, s, newEvent(es, "", now()))
	refused := mustInsertEvent(t, s, newEvent(es, "", now().Add(time.Second)))
	fine := mustInsertEvent(t, s, newEvent(es, "", now().Add(2*time.Second)))
	errRoute := errors.New("route failed")
	n, err = s.RouteEvents(ctx, now(), 10, func(ev store.Event) ([]store.StageEvent, error) {
		switch ev.ID {
		case failing.ID:
			return nil, errRoute
		case refused.ID:
			return toStage(elsewhere)(ev) // another canvas's stage
		}
		return toStage(st)(ev)
	})
	if err != nil || n != 1 {
		t.Fatalf("RouteEvents with failing events = %d, %v; want 1, nil", n, err)
	}
	for _, tc := range []struct {
		ev          store.Event
		state, want string
	}{{failing, "STATE_PENDING", "route failed"}, {refused, "STATE_PENDING", elsewhere.ID}, {fine, "STATE_PROCESSED", ""}} {
		got, err := s.FindEvent(ctx, org.ID, c.ID, tc.ev.ID)
		if err != nil || got.State != tc.state || !strings.Contains(got.StateMessage, tc.want) || got.RouteAttempts != 1 {
			t.Errorf("after failed routing: %s, %q, %d attempts (%v); want %s with a message naming %q, 1 attempt",
				got.State, got.StateMessage, got.RouteAttempts, err, tc.state, tc.want)
		}
	}
	if q := queue(); len(q) != 4 {
		t.Fatalf("the queue has %d stage events, want 4 (nothing of the failed events)", len(q))
	}
}

// testRouteEventsQuarantine: an event whose routing crashes the server or
// fails every time is rejected with its reason after MaxRouteAttempts, an
// event route rejects is rejected at once, and the events that shared a
// batch with a crashing one are routed.
func testRouteEventsQuarantine(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	poison := mustInsertEvent(t, s, newEvent(es, "", base))
	innocent := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))

	var routedIDs []string
	route := func(ev store.Event) ([]store.StageEvent, error) {
		if ev.ID == poison.ID {
			panic("the server dies here") // as a fatal out-of-memory would, before any commit
		}
		routedIDs = append(routedIDs, ev.ID)
		se := newStageEvent(st, store.StageEventPending, ev.ReceivedAt)
		se.TriggerEventID = ev.ID
		return []store.StageEvent{se}, nil
	}
	crashing := func(at time.Time) (n int, err error, crashed bool) {
		defer func() {
			if recover() != nil {
				crashed = true
			}
		}()
		n, err = s.RouteEvents(ctx, at, 10, route)
		return n, err, false
	}
	find := func(id string) store.Event {
		t.Helper()
		ev, err := s.FindEvent(ctx, org.ID, c.ID, id)
		if err != nil {
			t.Fatalf("FindEvent: %v", err)
		}
		return ev
	}

	at := now()
	if _, _, crashed := crashing(at); !crashed {
		t.Fatal("route did not crash")
	}
	if p, i := find(poison.ID), find(innocent.ID); p.RouteAttempts != 1 || i.RouteAttempts != 1 || p.State != "STATE_PENDING" || i.State != "STATE_PENDING" {
		t.Fatalf("after a crash: %s/%d and %s/%d; want both pending with one attempt", p.State, p.RouteAttempts, i.State, i.RouteAttempts)
	}
	// Until the lease of the crashed server ends, no one takes them again.
	if n, err, crashed := crashing(at.Add(time.Second)); n != 0 || err != nil || crashed {
		t.Fatalf("RouteEvents during the lease = %d, %v, crashed %v; want nothing", n, err, crashed)
	}
	// Then the first event of the crashed batch is tried alone, twice more.
	for i := 1; i < store.MaxRouteAttempts; i++ {
		at = at.Add(store.RouteLease + time.Second)
		if _, _, crashed := crashing(at); !crashed {
			t.Fatalf("attempt %d did not crash", i+1)
		}
	}
	if i := find(innocent.ID); i.RouteAttempts != 1 || len(routedIDs) != 0 {
		t.Fatalf("the innocent event was tried %d times, routed %v; want once, alone after the crashes", i.RouteAttempts, routedIDs)
	}
	at = at.Add(store.RouteLease + time.Second)
	n, err, crashed := crashing(at)
	if err != nil || crashed || n != 2 {
		t.Fatalf("RouteEvents after %d crashes = %d, %v, crashed %v; want 2 (one rejected, one routed)", store.MaxRouteAttempts, n, err, crashed)
	}
	p := find(poison.ID)
	if p.State != "STATE_REJECTED" || p.StateReason != store.StateReasonError || !strings.Contains(p.StateMessage, "routing failed 3 times") {
		t.Errorf("the crashing event is %s %s %q; want rejected with its reason", p.State, p.StateReason, p.StateMessage)
	}
	equal(t, "events routed", routedIDs, []string{innocent.ID})
	if i := find(innocent.ID); i.State != "STATE_PROCESSED" {
		t.Errorf("the innocent event is %s, want STATE_PROCESSED", i.State)
	}

	// An error that fails every time: rejected after MaxRouteAttempts, with
	// the last error.
	failing := mustInsertEvent(t, s, newEvent(es, "", base.Add(2*time.Second)))
	fail := func(store.Event) ([]store.StageEvent, error) { return nil, errors.New("no stages today") }
	for i := range store.MaxRouteAttempts {
		if n, err := s.RouteEvents(ctx, now(), 10, fail); n != 0 || err != nil {
			t.Fatalf("failing attempt %d = %d, %v; want 0, nil", i+1, n, err)
		}
	}
	if n, err := s.RouteEvents(ctx, now(), 10, fail); n != 1 || err != nil {
		t.Fatalf("RouteEvents after %d failures = %d, %v; want the event rejected", store.MaxRouteAttempts, n, err)
	}
	if f := find(failing.ID); f.State != "STATE_REJECTED" || f.StateReason != store.StateReasonError || !strings.Contains(f.StateMessage, "no stages today") {
		t.Errorf("the failing event is %s %s %q; want rejected with the last error", f.State, f.StateReason, f.StateMessage)
	}

	// A rejection by route: at once, with its reason and message.
	rejected := mustInsertEvent(t, s, newEvent(es, "", base.Add(3*time.Second)))
	reject := func(store.Event) ([]store.StageEvent, error) { return nil, store.Reject("", "filter too big") }
	if n, err := s.RouteEvents(ctx, now(), 10, reject); n != 1 || err != nil {
		t.Fatalf("RouteEvents rejecting = %d, %v; want 1", n, err)
	}
	if r := find(rejected.ID); r.State != "STATE_REJECTED" || r.StateReason != store.StateReasonError || r.StateMessage != "filter too big" {
		t.Errorf("the rejected event is %s %s %q", r.State, r.StateReason, r.StateMessage)
	}
}

func testRouteEventsConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))

	const pending = 100
	base := now().Add(-time.Hour)
	want := map[string]bool{}
	for i := range pending {
		ev := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Duration(i)*time.Millisecond)))
		want[ev.ID] = true
	}
	var rejected []string
	for i := range 5 {
		ev := newEvent(es, "", base.Add(time.Duration(i)*time.Millisecond))
		ev.State = "STATE_REJECTED"
		rejected = append(rejected, mustInsertEvent(t, s, ev).ID)
	}

	var (
		mu    sync.Mutex
		calls = map[string]int{}
	)
	route := func(ev store.Event) ([]store.StageEvent, error) {
		mu.Lock()
		calls[ev.ID]++
		mu.Unlock()
		se := newStageEvent(st, store.StageEventPending, ev.ReceivedAt)
		se.TriggerEventID = ev.ID
		return []store.StageEvent{se}, nil
	}
	routed := make([]int, Concurrency)
	errs := concurrently(func(i int) error {
		for range pending + 1 { // bounded: each round routes at least one event or stops
			n, err := s.RouteEvents(ctx, now(), 7, route)
			if err != nil {
				return err
			}
			routed[i] += n
			if n == 0 {
				return nil
			}
		}
		return errors.New("routing does not end")
	})
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent RouteEvents %d: %v", i, err)
		}
		total += routed[i]
	}
	if total != pending {
		t.Errorf("concurrent RouteEvents report %d events routed, want %d", total, pending)
	}
	for id := range want {
		if calls[id] != 1 {
			t.Errorf("event %s routed %d times, want once", id, calls[id])
		}
	}
	for _, id := range rejected {
		if calls[id] != 0 {
			t.Errorf("rejected event %s routed %d times", id, calls[id])
		}
	}
	if len(calls) != pending {
		t.Errorf("%d events routed, want %d", len(calls), pending)
	}
	queued, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, nil, store.Page{Limit: 500})
	if err != nil {
		t.Fatalf("ListStageEvents: %v", err)
	}
	triggers := map[string]int{}
	for _, se := range queued {
		triggers[se.TriggerEventID]++
	}
	if len(queued) != pending || len(triggers) != pending {
		t.Errorf("the stage has %d stage events from %d events, want %d from %d", len(queued), len(triggers), pending, pending)
	}
	if n, err := s.RouteEvents(ctx, now(), 500, route); err != nil || n != 0 {
		t.Errorf("RouteEvents after the race = %d, %v; want nothing left", n, err)
	}
}
