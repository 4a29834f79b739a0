package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func newGroup(orgID, canvasID, name string, timeout time.Duration, emit bool) store.ConnectionGroup {
	ts := now()
	return store.ConnectionGroup{
		ID: uuid.NewString(), OrgID: orgID, CanvasID: canvasID, Name: name, Description: "about " + name,
		Spec:    []byte(`{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"a"},{"type":"TYPE_EVENT_SOURCE","name":"b"}]}`),
		Timeout: timeout, TimeoutEmit: emit, CreatedBy: "u1", UpdatedBy: "u1", CreatedAt: ts, UpdatedAt: ts,
	}
}

func mustGroup(t *testing.T, s store.Store, g store.ConnectionGroup) store.ConnectionGroup {
	t.Helper()
	if err := s.CreateConnectionGroup(t.Context(), g); err != nil {
		t.Fatalf("CreateConnectionGroup(%q): %v", g.Name, err)
	}
	return g
}

// arrival is ev arriving in g's field set for key from connection conn
// (of the two the group needs, "a" and "b").
func arrival(g store.ConnectionGroup, key, conn string, ev store.Event, maxPending int) store.GroupArrival {
	return store.GroupArrival{
		GroupID: g.ID, Hash: "h-" + key, Fields: []byte(`[{"name":"version","value":"` + key + `"}]`),
		Required:   []string{store.ConnectionKey("TYPE_EVENT_SOURCE", "a"), store.ConnectionKey("TYPE_EVENT_SOURCE", "b")},
		MaxPending: maxPending,
		Event: store.FieldSetEvent{ID: uuid.NewString(), ConnectionType: "TYPE_EVENT_SOURCE", ConnectionName: conn,
			SourceID: ev.SourceID, EventID: ev.ID, Payload: ev.Raw, Headers: ev.Headers, ReceivedAt: ev.ReceivedAt},
	}
}

func testConnectionGroups(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	other := mustOrg(t, s, "other")
	c := mustCanvas(t, s, org.ID, "prod")
	g := mustGroup(t, s, newGroup(org.ID, c.ID, "join", 90*time.Second, true))

	if err := s.CreateConnectionGroup(ctx, newGroup(org.ID, c.ID, "join", time.Minute, false)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("a second group named join: %v, want ErrConflict", err)
	}
	if err := s.CreateConnectionGroup(ctx, newGroup(other.ID, c.ID, "elsewhere", time.Minute, false)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a group in another organization's canvas: %v, want ErrNotFound", err)
	}
	for _, key := range []string{g.ID, "join"} {
		got, err := s.FindConnectionGroup(ctx, org.ID, c.ID, key)
		if err != nil {
			t.Fatalf("FindConnectionGroup(%q): %v", key, err)
		}
		if got.Name != "join" || got.Timeout != 90*time.Second || !got.TimeoutEmit || string(got.Spec) != string(g.Spec) ||
			got.CreatedBy != "u1" || !got.CreatedAt.Equal(g.CreatedAt) {
			t.Errorf("FindConnectionGroup(%q) = %+v, want what was created", key, got)
		}
	}
	if _, err := s.FindConnectionGroup(ctx, other.ID, c.ID, g.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another organization finds the group: %v", err)
	}
	mustGroup(t, s, newGroup(org.ID, c.ID, "alpha", time.Minute, false))
	list, err := s.ListConnectionGroups(ctx, org.ID, c.ID)
	if err != nil || len(list) != 2 || list[0].Name != "alpha" || list[1].Name != "join" {
		t.Fatalf("ListConnectionGroups = %+v, %v; want alpha, join", list, err)
	}

	updated, err := s.UpdateConnectionGroup(ctx, org.ID, c.ID, "join", func(g *store.ConnectionGroup) error {
		g.Name, g.Timeout, g.TimeoutEmit, g.UpdatedBy, g.CreatedBy = "joined", time.Hour, false, "u2", "intruder"
		return nil
	})
	if err != nil || updated.Name != "joined" || updated.Timeout != time.Hour || updated.TimeoutEmit ||
		updated.UpdatedBy != "u2" || updated.CreatedBy != "u1" {
		t.Fatalf("UpdateConnectionGroup = %+v, %v; want renamed, an hour, drop, updated by u2, created by u1", updated, err)
	}
	if _, err := s.UpdateConnectionGroup(ctx, org.ID, c.ID, "joined", func(g *store.ConnectionGroup) error {
		g.Name = "alpha"
		return nil
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("renaming onto a taken name: %v, want ErrConflict", err)
	}
	if err := s.DeleteConnectionGroup(ctx, org.ID, c.ID, "alpha"); err != nil {
		t.Fatalf("DeleteConnectionGroup: %v", err)
	}
	if err := s.DeleteConnectionGroup(ctx, org.ID, c.ID, "alpha"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting it twice: %v, want ErrNotFound", err)
	}
	// A canvas takes its groups with it.
	if err := s.DeleteCanvas(ctx, org.ID, c.ID); err != nil {
		t.Fatalf("DeleteCanvas: %v", err)
	}
	if list, err := s.ListConnectionGroups(ctx, org.ID, c.ID); err != nil || len(list) != 0 {
		t.Errorf("groups of a deleted canvas: %+v, %v", list, err)
	}
}

// testConnectionGroupRouting: events routed with arrivals gather in one
// field set per key, which completes when both connections contributed and
// is emitted once to the stage, however many callers emit at once.
func testConnectionGroupRouting(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	a := mustEventSource(t, s, newEventSource(org.ID, c.ID, "a", "webhook", store.Integration{}))
	b := mustEventSource(t, s, newEventSource(org.ID, c.ID, "b", "webhook", store.Integration{}))
	g := mustGroup(t, s, newGroup(org.ID, c.ID, "join", time.Hour, false))

	routeTo := func(ev store.Event) (store.Routed, error) {
		conn := "a"
		if ev.SourceID == b.ID {
			conn = "b"
		}
		return store.Routed{Arrivals: []store.GroupArrival{arrival(g, "1.0", conn, ev, 10)}}, nil
	}
	fieldSets := func() []store.FieldSet {
		t.Helper()
		sets, err := s.ListFieldSets(ctx, g.ID, nil, 0)
		if err != nil {
			t.Fatalf("ListFieldSets: %v", err)
		}
		return sets
	}
	first := mustInsertEvent(t, s, newEvent(a, "", now()))
	again := mustInsertEvent(t, s, newEvent(a, "", now().Add(time.Millisecond)))
	if n, err := s.RouteEventsTo(ctx, now(), 10, routeTo); err != nil || n != 2 {
		t.Fatalf("RouteEventsTo = %d, %v; want 2", n, err)
	}
	sets := fieldSets()
	if len(sets) != 1 || sets[0].State != store.FieldSetPending || len(sets[0].Events) != 2 {
		t.Fatalf("after two events of a: %+v; want one pending field set with both", sets)
	}
	if sets[0].Events[0].EventID != first.ID || sets[0].Events[1].EventID != again.ID || sets[0].GroupName != "join" {
		t.Errorf("field set events %+v: want the two events of a, oldest first", sets[0].Events)
	}
	if kv, err := sets[0].DecodeFields(); err != nil || len(kv) != 1 || kv[0].Name != "version" || kv[0].Value != "1.0" {
		t.Errorf("fields = %+v, %v", kv, err)
	}
	if n, err := s.EmitFieldSets(ctx, 10, func(store.FieldSet) ([]store.StageEvent, error) {
		t.Error("a pending field set was emitted")
		return nil, nil
	}); err != nil || n != 0 {
		t.Errorf("EmitFieldSets with nothing complete = %d, %v", n, err)
	}

	mustInsertEvent(t, s, newEvent(b, "", now()))
	if n, err := s.RouteEventsTo(ctx, now(), 10, routeTo); err != nil || n != 1 {
		t.Fatalf("RouteEventsTo(b) = %d, %v; want 1", n, err)
	}
	sets = fieldSets()
	if len(sets) != 1 || sets[0].State != store.FieldSetProcessed || sets[0].StateReason != store.FieldSetReasonOK ||
		len(sets[0].Events) != 3 || sets[0].FinishedAt.IsZero() {
		t.Fatalf("after b: %+v; want the field set processed (OK) with three events", sets)
	}

	// Every caller emits at once: one stage event in all.
	var builds, emitted = make(chan string, Concurrency), make(chan int, Concurrency)
	errs := concurrently(func(int) error {
		n, err := s.EmitFieldSets(ctx, 10, func(fs store.FieldSet) ([]store.StageEvent, error) {
			builds <- fs.ID
			se := newStageEvent(st, store.StageEventPending, now())
			se.TriggerSourceType, se.TriggerEventID, se.TriggerSourceName = "TYPE_CONNECTION_GROUP", fs.ID, fs.GroupName
			if len(fs.Events) != 3 || fs.OrgID != org.ID || fs.CanvasID != c.ID {
				return nil, errors.New("the field set came without its events or scope")
			}
			return []store.StageEvent{se}, nil
		})
		emitted <- n
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatalf("EmitFieldSets: %v", err)
		}
	}
	close(emitted)
	total := 0
	for n := range emitted {
		total += n
	}
	if total != 1 {
		t.Fatalf("concurrent EmitFieldSets emitted %d field sets, want 1", total)
	}
	queue, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, nil, store.Page{})
	if err != nil || len(queue) != 1 || queue[0].TriggerEventID != sets[0].ID {
		t.Fatalf("the stage's queue = %+v, %v; want the one group event", queue, err)
	}

	// The unique index refuses a second stage event for the same field set
	// and stage, whoever inserts it.
	dup := newStageEvent(st, store.StageEventPending, now())
	dup.TriggerSourceType, dup.TriggerEventID = "TYPE_CONNECTION_GROUP", sets[0].ID
	if err := s.InsertStageEvents(ctx, []store.StageEvent{dup}); err == nil {
		t.Error("a second stage event of one field set for one stage was accepted")
	}

	// The same key after completion opens a new field set.
	mustInsertEvent(t, s, newEvent(a, "", now()))
	if _, err := s.RouteEventsTo(ctx, now(), 10, routeTo); err != nil {
		t.Fatal(err)
	}
	if sets := fieldSets(); len(sets) != 2 || sets[0].State != store.FieldSetPending {
		t.Fatalf("after a completed key came again: %+v; want a new pending field set", sets)
	}
	// Finished at now: pruned only once older than before, never pending.
	if n, err := s.PruneFieldSets(ctx, now().Add(-time.Hour), 10); err != nil || n != 0 {
		t.Errorf("PruneFieldSets before it ended = %d, %v; want 0", n, err)
	}
	if n, err := s.PruneFieldSets(ctx, now().Add(time.Hour), 10); err != nil || n != 1 {
		t.Errorf("PruneFieldSets = %d, %v; want the processed one", n, err)
	}
	if sets := fieldSets(); len(sets) != 1 || sets[0].State != store.FieldSetPending {
		t.Errorf("after pruning: %+v; want the pending one left", sets)
	}
	// A group's deletion takes its field sets.
	if err := s.DeleteConnectionGroup(ctx, org.ID, c.ID, g.ID); err != nil {
		t.Fatal(err)
	}
	if sets := fieldSets(); len(sets) != 0 {
		t.Errorf("field sets of a deleted group: %+v", sets)
	}
	// An arrival for a group deleted meanwhile gathers nothing, and the
	// event is still routed.
	mustInsertEvent(t, s, newEvent(a, "", now()))
	if n, err := s.RouteEventsTo(ctx, now(), 10, routeTo); err != nil || n != 1 {
		t.Errorf("routing to a deleted group = %d, %v; want the event routed", n, err)
	}
}

// testConnectionGroupTimeouts: pending field sets past their timeout are
// dropped or emitted as their group says, in bounded batches; a group at
// its cap of pending field sets refuses new keys visibly.
func testConnectionGroupTimeouts(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	a := mustEventSource(t, s, newEventSource(org.ID, c.ID, "a", "webhook", store.Integration{}))
	drop := mustGroup(t, s, newGroup(org.ID, c.ID, "drop", time.Minute, false))
	emit := mustGroup(t, s, newGroup(org.ID, c.ID, "emit", time.Minute, true))

	start := now()
	for i, key := range []string{"1", "2", "3"} {
		mustInsertEvent(t, s, newEvent(a, "", start.Add(time.Duration(i)*time.Millisecond)))
		at := start.Add(time.Duration(i) * time.Millisecond)
		if _, err := s.RouteEventsTo(ctx, at, 10, func(ev store.Event) (store.Routed, error) {
			return store.Routed{Arrivals: []store.GroupArrival{arrival(drop, key, "a", ev, 2), arrival(emit, key, "a", ev, 2)}}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, g := range []store.ConnectionGroup{drop, emit} {
		sets, err := s.ListFieldSets(ctx, g.ID, nil, 0)
		if err != nil || len(sets) != 3 {
			t.Fatalf("%s: %d field sets, %v; want 3", g.Name, len(sets), err)
		}
		// The third key found two pending: refused, and says why.
		if sets[0].State != store.FieldSetDiscarded || !strings.Contains(sets[0].StateMessage, "2 pending field sets") ||
			len(sets[0].Events) != 1 {
			t.Errorf("%s: the key over the cap = %+v; want discarded with a message and its event", g.Name, sets[0])
		}
		if pending, _ := s.ListFieldSets(ctx, g.ID, []string{store.FieldSetPending}, 0); len(pending) != 2 {
			t.Errorf("%s: %d pending, want 2", g.Name, len(pending))
		}
	}

	if n, err := s.ExpireFieldSets(ctx, start.Add(59*time.Second), 10); err != nil || n != 0 {
		t.Fatalf("ExpireFieldSets before the timeout = %d, %v; want 0", n, err)
	}
	// Bounded: three of the four due, then the last.
	due := start.Add(time.Minute + time.Second)
	if n, err := s.ExpireFieldSets(ctx, due, 3); err != nil || n != 3 {
		t.Fatalf("ExpireFieldSets(3) = %d, %v; want 3", n, err)
	}
	if n, err := s.ExpireFieldSets(ctx, due, 3); err != nil || n != 1 {
		t.Fatalf("second ExpireFieldSets = %d, %v; want 1", n, err)
	}
	dropped, _ := s.ListFieldSets(ctx, drop.ID, []string{store.FieldSetDiscarded}, 0)
	timedOut := 0
	for _, fs := range dropped {
		if fs.StateReason == store.FieldSetReasonTimeout {
			timedOut++
		}
	}
	if timedOut != 2 {
		t.Errorf("drop group: %d field sets discarded on timeout, want 2 (%+v)", timedOut, dropped)
	}
	processed, _ := s.ListFieldSets(ctx, emit.ID, []string{store.FieldSetProcessed}, 0)
	if len(processed) != 2 || processed[0].StateReason != store.FieldSetReasonTimeout {
		t.Fatalf("emit group: %+v; want two processed on timeout", processed)
	}
	var built []string
	if n, err := s.EmitFieldSets(ctx, 10, func(fs store.FieldSet) ([]store.StageEvent, error) {
		built = append(built, fs.GroupName)
		return nil, nil
	}); err != nil || n != 2 {
		t.Fatalf("EmitFieldSets = %d, %v; want the two timed-out field sets of emit", n, err)
	}
	equal(t, "groups emitted", built, []string{"emit", "emit"})

	// A build error leaves that field set for later, and the others go on.
	mustInsertEvent(t, s, newEvent(a, "", now()))
	both := newGroup(org.ID, c.ID, "both", time.Minute, true)
	both = mustGroup(t, s, both)
	if _, err := s.RouteEventsTo(ctx, now(), 10, func(ev store.Event) (store.Routed, error) {
		x, y := arrival(both, "x", "a", ev, 10), arrival(both, "y", "a", ev, 10)
		x.Required, y.Required = x.Required[:1], y.Required[:1] // complete at once
		return store.Routed{Arrivals: []store.GroupArrival{x, y}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	errBuild := errors.New("build failed")
	calls := 0
	n, err := s.EmitFieldSets(ctx, 10, func(fs store.FieldSet) ([]store.StageEvent, error) {
		calls++
		if calls == 1 {
			return nil, errBuild
		}
		return nil, nil
	})
	if n != 1 || !errors.Is(err, errBuild) || calls != 2 {
		t.Fatalf("EmitFieldSets with one failing = %d, %v after %d builds; want 1 and the error after 2", n, err, calls)
	}
	if n, err := s.EmitFieldSets(ctx, 10, func(store.FieldSet) ([]store.StageEvent, error) { return nil, nil }); err != nil || n != 1 {
		t.Errorf("the failed field set at the next call = %d, %v; want emitted", n, err)
	}
}

// testConnectionGroupRoutingConcurrently: servers routing one key's events
// at once never leave a field set pending that has heard from both
// connections (each completion sees the other's arrival), keep one pending
// field set per key, and gather every event exactly once.
func testConnectionGroupRoutingConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	a := mustEventSource(t, s, newEventSource(org.ID, c.ID, "a", "webhook", store.Integration{}))
	b := mustEventSource(t, s, newEventSource(org.ID, c.ID, "b", "webhook", store.Integration{}))
	g := mustGroup(t, s, newGroup(org.ID, c.ID, "join", time.Hour, false))
	events := map[string]bool{}
	for i := range 2 * Concurrency {
		es := a
		if i%2 == 1 {
			es = b
		}
		events[mustInsertEvent(t, s, newEvent(es, "", now().Add(time.Duration(i)*time.Microsecond))).ID] = true
	}
	routeTo := func(ev store.Event) (store.Routed, error) {
		conn := "a"
		if ev.SourceID == b.ID {
			conn = "b"
		}
		return store.Routed{Arrivals: []store.GroupArrival{arrival(g, "1.0", conn, ev, 100)}}, nil
	}
	for round := 0; round < 10; round++ {
		for _, err := range concurrently(func(int) error {
			_, err := s.RouteEventsTo(ctx, now(), 1, routeTo)
			return err
		}) {
			if err != nil {
				t.Fatalf("RouteEventsTo: %v", err)
			}
		}
	}
	sets, err := s.ListFieldSets(ctx, g.ID, nil, store.MaxPageLimit)
	if err != nil {
		t.Fatal(err)
	}
	gathered, pending := map[string]int{}, 0
	for _, fs := range sets {
		conns := map[string]bool{}
		for _, ev := range fs.Events {
			gathered[ev.EventID]++
			conns[ev.ConnectionName] = true
		}
		switch fs.State {
		case store.FieldSetPending:
			pending++
			if conns["a"] && conns["b"] {
				t.Errorf("field set %s is pending with events of both connections: a completion was missed", fs.ID)
			}
		case store.FieldSetProcessed:
			if !conns["a"] || !conns["b"] {
				t.Errorf("field set %s was processed without both connections: %+v", fs.ID, fs.Events)
			}
		}
	}
	if pending > 1 {
		t.Errorf("%d pending field sets for one key, want at most 1", pending)
	}
	for id := range events {
		if gathered[id] != 1 {
			t.Errorf("event %s was gathered %d times, want once", id, gathered[id])
		}
	}
}
