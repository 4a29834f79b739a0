package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// Locker holds a row lock from outside the store, to force two store
// transactions into one interleaving (PostgreSQL; SQLite's one writer runs
// them one after the other, and a test given no Locker does so itself).
type Locker interface {
	// HoldFieldSet locks the field set's row FOR UPDATE in a transaction
	// of its own until release is called.
	HoldFieldSet(t *testing.T, id string) (release func())
	// WaitBlocked returns once n sessions wait, directly or behind
	// another waiter, on what HoldFieldSet holds; bounded, it fails the
	// test after a while.
	WaitBlocked(t *testing.T, n int)
}

// startedExecution queues an event for st, starts and claims its
// execution for owner.
func startedExecution(t *testing.T, s store.Store, st store.Stage, owner string) store.Execution {
	t.Helper()
	ctx := t.Context()
	se := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, now()))[0]
	if err := s.StartExecution(ctx, se.ID, store.Execution{ID: uuid.NewString(), CreatedAt: now()}); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	ex, ok, err := s.ClaimExecution(ctx, owner, now(), now().Add(time.Hour), 0)
	if err != nil || !ok || ex.StageID != st.ID {
		t.Fatalf("ClaimExecution = %+v, %v, %v; want %s's execution", ex, ok, err, st.Name)
	}
	return ex
}

// FinishRacesRoutingOnFieldSet: a routing transaction holds a connection
// group's field set (its first event's arrival) and then starts an
// execution in a stage (its second event, StartIfFree) whose running
// execution is being finished by FinishExecutionRouted with an arrival in
// that field set. On PostgreSQL, with lk forcing the interleaving (the
// routing transaction gets the field set, the finish then reaches it),
// the finish used to update its execution's row first: the routing
// transaction's insert waited for that uncommitted update, the finish's
// arrival for the field set, and PostgreSQL aborted one of them as a
// deadlock after deadlock_timeout (the finish failed, or the batch ran
// again in savepoints). Both now get through at their first run: the
// finish adds its arrivals before it writes its execution's row. With
// downstream, the finish also starts a free stage's execution, and then
// waits for the routing transaction at the organization's row.
// open returns a store on a fresh database, and a Locker for it or nil.
func FinishRacesRoutingOnFieldSet(t *testing.T, open func(t *testing.T) (store.Store, Locker)) {
	for _, startAtFinish := range []bool{false, true} {
		name := "arrival only"
		if startAtFinish {
			name = "arrival and a start"
		}
		t.Run(name, func(t *testing.T) {
			s, lk := open(t)
			finishRacesRouting(t, s, lk, startAtFinish)
		})
	}
}

func finishRacesRouting(t *testing.T, s store.Store, lk Locker, startAtFinish bool) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	build := mustStage(t, s, org.ID, c.ID, "build")
	next := mustStage(t, s, org.ID, c.ID, "next")
	a := mustEventSource(t, s, newEventSource(org.ID, c.ID, "a", "webhook", store.Integration{}))
	g := mustGroup(t, s, newGroup(org.ID, c.ID, "join", time.Hour, false))
	ex := startedExecution(t, s, build, "w")

	// The field set, pending with a's first event.
	first := mustInsertEvent(t, s, newEvent(a, "", now()))
	if _, err := s.RouteEventsTo(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		return store.Routed{Arrivals: []store.GroupArrival{arrival(g, "1.0", "a", ev, 10)}}, nil
	}); err != nil {
		t.Fatalf("RouteEventsTo: %v", err)
	}
	sets, err := s.ListFieldSets(ctx, g.ID, nil, 0)
	if err != nil || len(sets) != 1 || sets[0].State != store.FieldSetPending {
		t.Fatalf("ListFieldSets = %+v, %v; want one pending", sets, err)
	}
	fs := sets[0]

	// The batch: a's second event arrives in the field set, then an event
	// for build, free to start once its execution finishes.
	base := now()
	again := mustInsertEvent(t, s, newEvent(a, "", base))
	toBuild := mustInsertEvent(t, s, newEvent(a, "", base.Add(time.Microsecond)))
	version, err := s.StagesVersion(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	route := func(ev store.Event) (store.Routed, error) {
		if ev.ID == again.ID {
			return store.Routed{Arrivals: []store.GroupArrival{arrival(g, "1.0", "a", ev, 10)}}, nil
		}
		evs := routeTo(ev, build)
		evs[0].StartIfFree = true
		return store.Routed{StageEvents: evs, StagesVersion: version, StagesVersionKnown: true}, nil
	}
	// The finish: build's execution arrives as b, and (startAtFinish)
	// triggers next, free.
	fin := arrival(g, "1.0", "b", store.Event{ID: ex.ID, SourceID: build.ID, Raw: []byte(`{}`), Headers: []byte(`{}`), ReceivedAt: now()}, 10)
	downstream := store.Routed{Arrivals: []store.GroupArrival{fin}}
	if startAtFinish {
		se := newStageEvent(next, store.StageEventPending, now())
		se.StartIfFree = true
		downstream.StageEvents, downstream.StagesVersion, downstream.StagesVersionKnown = []store.StageEvent{se}, version, true
	}
	ex.Result, ex.FinishedAt = "RESULT_PASSED", now()

	var (
		batch     store.RoutedBatch
		routeErr  error
		finishErr error
	)
	routeDone := make(chan struct{})
	finishDone := make(chan struct{})
	routeBatch := func() {
		defer close(routeDone)
		batch, routeErr = s.RouteEventsBatch(ctx, now(), 2, route)
	}
	finish := func() {
		defer close(finishDone)
		finishErr = s.FinishExecutionRouted(ctx, ex, "w", downstream, now())
	}
	if lk == nil {
		routeBatch()
		finish()
	} else {
		release := lk.HoldFieldSet(t, fs.ID)
		go routeBatch()
		lk.WaitBlocked(t, 1) // the routing transaction, at the field set
		go finish()
		lk.WaitBlocked(t, 2) // and the finish, behind it
		release()
		<-routeDone
		<-finishDone
	}
	if routeErr != nil || batch.RetriedAfter != nil || batch.Done != 2 {
		t.Fatalf("RouteEventsBatch = done %d, ran again after %v, %v; want both routed at the first run", batch.Done, batch.RetriedAfter, routeErr)
	}
	if finishErr != nil {
		t.Fatalf("FinishExecutionRouted: %v", finishErr)
	}
	for _, ev := range []store.Event{again, toBuild} {
		if got, err := s.FindEvent(ctx, org.ID, c.ID, ev.ID); err != nil || got.State != store.EventProcessed {
			t.Errorf("event %s is %s (%q, %v), want processed", ev.ID, got.State, got.StateMessage, err)
		}
	}
	// The field set has both connections: a twice (first, again), b once.
	sets, err = s.ListFieldSets(ctx, g.ID, nil, 0)
	if err != nil || len(sets) != 1 || sets[0].State != store.FieldSetProcessed || len(sets[0].Events) != 3 ||
		sets[0].Events[0].EventID != first.ID {
		t.Fatalf("field sets = %+v, %v; want one processed with three events", sets, err)
	}
	if got, err := s.FindExecution(ctx, org.ID, c.ID, build.ID, ex.ID); err != nil || got.State != store.ExecutionFinished {
		t.Errorf("build's execution = %+v, %v; want finished", got, err)
	}
	// The routing transaction found build running: its event waits in
	// the queue, for the advance.
	q, err := s.ListStageEvents(ctx, org.ID, c.ID, build.ID, []string{store.StageEventPending}, store.Page{})
	if err != nil || len(q) != 1 || q[0].TriggerEventID != toBuild.ID {
		t.Errorf("build's queue = %+v, %v; want the routed event", q, err)
	}
	if startAtFinish {
		runs, err := s.ListExecutions(ctx, org.ID, c.ID, next.ID, store.Page{})
		if err != nil || len(runs) != 1 || runs[0].State != store.ExecutionPending {
			t.Errorf("next's executions = %+v, %v; want one pending, started by the finish", runs, err)
		}
	}
}
