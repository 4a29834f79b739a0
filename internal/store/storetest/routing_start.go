package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testRouteEventsStartIfFree: a stage event routed with StartIfFree to a
// stage with no unfinished execution and no other queued event leaves the
// queue with its execution pending, in the routing transaction, ready to
// be claimed; in every other case it stays queued for the queue advance,
// so the queue's rules hold: one unfinished execution a stage, the older
// queued event first, no start against stages changed since the match.
func testRouteEventsStartIfFree(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	free := mustStage(t, s, org.ID, c.ID, "free")
	twice := mustStage(t, s, org.ID, c.ID, "twice")
	behind := mustStage(t, s, org.ID, c.ID, "behind")
	busy := mustStage(t, s, org.ID, c.ID, "busy")
	gated := mustStage(t, s, org.ID, c.ID, "gated")
	unknown := mustCanvas(t, s, org.ID, "unknown")
	elsewhere := mustStage(t, s, org.ID, unknown.ID, "elsewhere")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	esElsewhere := mustEventSource(t, s, newEventSource(org.ID, unknown.ID, "push", "webhook", store.Integration{}))

	base := now().Add(-time.Hour)
	// behind has an older event queued (waiting for an approval, say);
	// busy runs an execution.
	older := mustStageEvents(t, s, newStageEvent(behind, store.StageEventWaiting, base.Add(-time.Minute)))[0]
	running := startExecution(t, s, busy, base.Add(-time.Minute))
	claim(t, s, "server-0", now(), now().Add(time.Hour))

	first := mustInsertEvent(t, s, newEvent(es, "", base))
	second := mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Second)))
	third := mustInsertEvent(t, s, newEvent(esElsewhere, "", base.Add(2*time.Second)))

	route := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		if ev.ID == third.ID {
			// Matched without a known version: never started.
			evs := routeTo(ev, elsewhere)
			evs[0].StartIfFree = true
			return store.Routed{StageEvents: evs}, nil
		}
		targets := []store.Stage{twice}
		if ev.ID == first.ID {
			targets = []store.Stage{free, twice, behind, busy, gated}
		}
		evs := routeTo(ev, targets...)
		for i := range evs {
			evs[i].StartIfFree = evs[i].StageID != gated.ID
		}
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	}
	b, err := s.RouteEventsBatch(ctx, now(), 10, route)
	if err != nil || b.Done != 3 {
		t.Fatalf("RouteEventsBatch = %+v, %v; want 3 done", b, err)
	}
	if b.Started != 2 {
		t.Errorf("RouteEventsBatch started %d executions, want 2 (free's and twice's first)", b.Started)
	}

	// stageState returns the state of st's stage event triggered by ev and
	// the executions st has for it.
	stageState := func(st store.Stage, ev store.Event) (string, []store.Execution) {
		t.Helper()
		evs, err := s.ListStageEvents(ctx, st.OrgID, st.CanvasID, st.ID, nil, store.Page{Limit: 100})
		if err != nil {
			t.Fatalf("ListStageEvents(%s): %v", st.Name, err)
		}
		for _, se := range evs {
			if se.TriggerEventID != ev.ID {
				continue
			}
			exs, err := s.ListExecutions(ctx, st.OrgID, st.CanvasID, st.ID, store.Page{Limit: 100})
			if err != nil {
				t.Fatalf("ListExecutions(%s): %v", st.Name, err)
			}
			var mine []store.Execution
			for _, ex := range exs {
				if ex.StageEventID == se.ID {
					mine = append(mine, ex)
				}
			}
			return se.State, mine
		}
		t.Fatalf("stage %s has no stage event of event %s", st.Name, ev.ID)
		return "", nil
	}
	for _, tc := range []struct {
		why     string
		st      store.Stage
		ev      store.Event
		started bool
	}{
		{"a free stage", free, first, true},
		{"a free stage's first event of the batch", twice, first, true},
		{"the batch's second event, the stage now running the first's", twice, second, false},
		{"a stage with an older event queued", behind, first, false},
		{"a stage running an execution", busy, first, false},
		{"a stage with conditions (StartIfFree unset)", gated, first, false},
		{"an event matched at an unknown stages version", elsewhere, third, false},
	} {
		state, exs := stageState(tc.st, tc.ev)
		switch {
		case tc.started && (state != store.StageEventProcessed || len(exs) != 1):
			t.Errorf("%s: stage event %s with %d executions, want processed with one", tc.why, state, len(exs))
		case tc.started && (exs[0].State != store.ExecutionPending || exs[0].OrgID != org.ID || exs[0].CanvasID != tc.st.CanvasID):
			t.Errorf("%s: execution %+v, want pending in the stage's organization and canvas", tc.why, exs[0])
		case !tc.started && (state != store.StageEventPending || len(exs) != 0):
			t.Errorf("%s: stage event %s with %d executions, want pending with none", tc.why, state, len(exs))
		}
	}
	if got := findStageEvent(t, s, older); got.State != store.StageEventWaiting {
		t.Errorf("the older queued event is %s, want it still waiting its turn", got.State)
	}

	// The started executions are what a claim takes: free's and twice's,
	// besides busy's, which already runs.
	claimed := map[string]bool{}
	for range 3 {
		ex, ok, err := s.ClaimExecution(ctx, "server-1", now(), now().Add(time.Hour), 0)
		if err != nil {
			t.Fatalf("ClaimExecution: %v", err)
		}
		if !ok {
			break
		}
		claimed[ex.StageID] = true
	}
	if len(claimed) != 2 || !claimed[free.ID] || !claimed[twice.ID] || claimed[running.StageID] {
		t.Errorf("claimed executions of stages %v, want free's and twice's", claimed)
	}
	// What is left is the queue advance's: behind's older event and
	// gated's (twice and busy run executions, free's queue is empty).
	heads, err := s.QueueHeads(ctx, now(), 100)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	var headStages []string
	for _, h := range heads {
		headStages = append(headStages, h.StageID)
	}
	equal(t, "queue heads after the starts", sorted(headStages...), sorted(behind.ID, gated.ID, elsewhere.ID))

	// The savepoint retry (a stage event the store refuses, here another
	// canvas's stage) still starts the other events' executions.
	late := mustStage(t, s, org.ID, c.ID, "late")
	refused := mustInsertEvent(t, s, newEvent(es, "", base.Add(3*time.Second)))
	fine := mustInsertEvent(t, s, newEvent(es, "", base.Add(4*time.Second)))
	b, err = s.RouteEventsBatch(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		target := late
		if ev.ID == refused.ID {
			target = elsewhere
		}
		evs := routeTo(ev, target)
		evs[0].StartIfFree = true
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	})
	if err != nil || b.Done != 1 || b.Started != 1 {
		t.Fatalf("RouteEventsBatch with a refused stage event = %+v, %v; want 1 done, 1 started", b, err)
	}
	if state, exs := stageState(late, fine); state != store.StageEventProcessed || len(exs) != 1 {
		t.Errorf("after a savepoint retry: late's stage event %s with %d executions, want processed with one", state, len(exs))
	}
}

// testRouteEventsStartIfFreeConcurrently: routers racing to start events
// of one free stage (each its own batch, as several servers) start exactly
// one execution, and every event is routed at its first attempt: the
// losers' stage events stay queued, no routing transaction fails (on
// PostgreSQL a failed insert would abort it).
func testRouteEventsStartIfFreeConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	es := mustEventSource(t, s, newEventSource(org.ID, c.ID, "push", "webhook", store.Integration{}))
	base := now().Add(-time.Hour)
	events := 2 * Concurrency
	for i := range events {
		mustInsertEvent(t, s, newEvent(es, "", base.Add(time.Duration(i)*time.Millisecond)))
	}
	route := func(ev store.Event) (store.Routed, error) {
		v, err := s.StagesVersion(ctx, ev.OrgID, ev.CanvasID)
		if err != nil {
			return store.Routed{}, err
		}
		evs := routeTo(ev, st)
		evs[0].StartIfFree = true
		return store.Routed{StageEvents: evs, StagesVersion: v, StagesVersionKnown: true}, nil
	}
	started := make([]int, Concurrency)
	errs := concurrently(func(i int) error {
		for range events + 1 { // bounded: each round routes one event or stops
			b, err := s.RouteEventsBatch(ctx, now(), 1, route)
			if err != nil {
				return err
			}
			started[i] += b.Started
			if b.Done == 0 {
				return nil
			}
		}
		return errors.New("routing does not end")
	})
	total := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("router %d: %v", i, err)
		}
		total += started[i]
	}
	if total != 1 {
		t.Errorf("routers started %d executions of one stage, want 1", total)
	}
	exs, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) != 1 {
		t.Errorf("the stage has %d executions, want 1", len(exs))
	}
	evs, err := s.ListEvents(ctx, org.ID, c.ID, "", store.Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.State != store.EventProcessed || ev.RouteAttempts != 1 {
			t.Errorf("event %s: %s after %d attempts (%q), want processed at its first", ev.ID, ev.State, ev.RouteAttempts, ev.StateMessage)
		}
	}
	if len(evs) != events {
		t.Errorf("%d events listed, want %d", len(evs), events)
	}
}
