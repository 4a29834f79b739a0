package storetest

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

func newStage(orgID, canvasID, name string) store.Stage {
	ts := now()
	return store.Stage{
		ID: uuid.NewString(), OrgID: orgID, CanvasID: canvasID, Name: name, Description: "about " + name,
		Spec:      []byte(`{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"push"}],"executor":{"type":"TYPE_HTTP"}}`),
		CreatedBy: uuid.NewString(), CreatedAt: ts, UpdatedAt: ts,
	}
}

func mustStage(t *testing.T, s store.Store, orgID, canvasID, name string) store.Stage {
	t.Helper()
	st := newStage(orgID, canvasID, name)
	if err := s.CreateStage(t.Context(), st); err != nil {
		t.Fatalf("CreateStage(%q): %v", name, err)
	}
	return st
}

// newStageEvent is an event of st's queue, as the router builds it.
func newStageEvent(st store.Stage, state string, at time.Time) store.StageEvent {
	return store.StageEvent{
		ID: uuid.NewString(), OrgID: st.OrgID, CanvasID: st.CanvasID, StageID: st.ID, Connection: "push",
		TriggerSourceType: "TYPE_EVENT_SOURCE", TriggerSourceID: uuid.NewString(), TriggerSourceName: "push",
		TriggerEventID: uuid.NewString(), TriggerType: "push", TriggerPayload: []byte(`{"ref":"refs/heads/main"}`),
		TriggerHeaders: []byte(`{"x-github-event":"push"}`), State: state,
		Inputs: []byte(`[{"name":"VERSION","value":"1.0"}]`), Approvals: []byte(`[]`), CreatedAt: at,
	}
}

func mustStageEvents(t *testing.T, s store.Store, evs ...store.StageEvent) []store.StageEvent {
	t.Helper()
	if err := s.InsertStageEvents(t.Context(), evs); err != nil {
		t.Fatalf("InsertStageEvents: %v", err)
	}
	return evs
}

func findStageEvent(t *testing.T, s store.Store, ev store.StageEvent) store.StageEvent {
	t.Helper()
	got, err := s.FindStageEvent(t.Context(), ev.OrgID, ev.CanvasID, ev.StageID, ev.ID)
	if err != nil {
		t.Fatalf("FindStageEvent(%s): %v", ev.ID, err)
	}
	return got
}

func findExecution(t *testing.T, s store.Store, ex store.Execution) store.Execution {
	t.Helper()
	got, err := s.FindExecution(t.Context(), ex.OrgID, ex.CanvasID, ex.StageID, ex.ID)
	if err != nil {
		t.Fatalf("FindExecution(%s): %v", ex.ID, err)
	}
	return got
}

// startExecution queues a pending event in st at createdAt and starts an
// execution for it; it returns the execution as stored.
func startExecution(t *testing.T, s store.Store, st store.Stage, createdAt time.Time) store.Execution {
	t.Helper()
	ev := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, createdAt))[0]
	ex := store.Execution{ID: uuid.NewString(), CreatedAt: createdAt}
	if err := s.StartExecution(t.Context(), ev.ID, ex); err != nil {
		t.Fatalf("StartExecution(%s): %v", ev.ID, err)
	}
	ex.OrgID, ex.CanvasID, ex.StageID = st.OrgID, st.CanvasID, st.ID
	return findExecution(t, s, ex)
}

// claim claims an execution for owner from now until leaseUntil and fails
// unless there was one.
func claim(t *testing.T, s store.Store, owner string, now, leaseUntil time.Time) store.Execution {
	t.Helper()
	ex, ok, err := s.ClaimExecution(t.Context(), owner, now, leaseUntil, 0)
	if err != nil || !ok {
		t.Fatalf("ClaimExecution(%s) = ok %v, %v; want an execution", owner, ok, err)
	}
	return ex
}

// finish finishes ex for owner with result at finishedAt.
func finish(t *testing.T, s store.Store, ex store.Execution, owner, result string, finishedAt time.Time) store.Execution {
	t.Helper()
	ex.Result, ex.ResultReason, ex.FinishedAt = result, "", finishedAt
	if err := s.FinishExecution(t.Context(), ex, owner, nil); err != nil {
		t.Fatalf("FinishExecution(%s): %v", ex.ID, err)
	}
	return findExecution(t, s, ex)
}

func stageEventIDs(evs []store.StageEvent) []string {
	ids := make([]string, len(evs))
	for i, ev := range evs {
		ids[i] = ev.ID
	}
	return ids
}

func executionIDs(exs []store.Execution) []string {
	ids := make([]string, len(exs))
	for i, ex := range exs {
		ids[i] = ex.ID
	}
	return ids
}

func testStages(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	staging := mustCanvas(t, s, org.ID, "staging")
	other := mustOrg(t, s, "globex")

	deploy := mustStage(t, s, org.ID, c.ID, "deploy")
	build := mustStage(t, s, org.ID, c.ID, "build")
	upper := mustStage(t, s, org.ID, c.ID, "Z")   // byte order: upper case first
	mustStage(t, s, org.ID, staging.ID, "deploy") // names are unique per canvas only

	for _, idOrName := range []string{deploy.ID, "deploy"} {
		got, err := s.FindStage(ctx, org.ID, c.ID, idOrName)
		if err != nil {
			t.Fatalf("FindStage(%q): %v", idOrName, err)
		}
		equal(t, "FindStage("+idOrName+")", got, deploy)
	}
	// An id only in canonical form: another spelling is a name.
	if _, err := s.FindStage(ctx, org.ID, c.ID, strings.ToUpper(deploy.ID)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("FindStage by the upper-case id: %v, want not found", err)
	}
	if got, err := s.FindStageByID(ctx, deploy.ID); err != nil {
		t.Fatalf("FindStageByID: %v", err)
	} else {
		equal(t, "FindStageByID", got, deploy)
	}
	for _, tc := range []struct{ org, canvas, idOrName string }{
		{other.ID, c.ID, deploy.ID}, {org.ID, staging.ID, deploy.ID}, {org.ID, c.ID, "missing"}, {"acme", c.ID, "deploy"},
	} {
		_, err := s.FindStage(ctx, tc.org, tc.canvas, tc.idOrName)
		wantErr(t, err, store.ErrNotFound, tc.idOrName)
	}
	for _, id := range []string{uuid.NewString(), "deploy"} {
		_, err := s.FindStageByID(ctx, id)
		wantErr(t, err, store.ErrNotFound, id)
	}

	got, err := s.ListStages(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatalf("ListStages: %v", err)
	}
	equal(t, "ListStages", got, []store.Stage{upper, build, deploy})
	if got, err := s.ListStages(ctx, other.ID, c.ID); err != nil || len(got) != 0 {
		t.Errorf("another organization lists stages %v, %v", got, err)
	}

	dup := newStage(org.ID, c.ID, "deploy")
	wantErr(t, s.CreateStage(ctx, dup), store.ErrConflict, `"deploy"`)
	_, err = s.FindStageByID(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.CreateStage(ctx, newStage(org.ID, uuid.NewString(), "x")), store.ErrNotFound)
	wantErr(t, s.CreateStage(ctx, newStage(other.ID, c.ID, "x")), store.ErrNotFound) // another organization's canvas

	// UpdateStage writes what fn changed, but cannot move the stage.
	later := deploy.UpdatedAt.Add(time.Minute)
	updated, err := s.UpdateStage(ctx, org.ID, c.ID, "deploy", func(st *store.Stage) error {
		st.Name, st.Description, st.Spec, st.UpdatedAt = "ship", "new words", []byte(`{"dryRun":true}`), later
		st.ID, st.OrgID, st.CanvasID, st.CreatedBy, st.CreatedAt = uuid.NewString(), other.ID, staging.ID, "me", later
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateStage: %v", err)
	}
	want := deploy
	want.Name, want.Description, want.Spec, want.UpdatedAt = "ship", "new words", []byte(`{"dryRun":true}`), later
	equal(t, "updated stage", updated, want)
	equal(t, "stored stage", mustFindStage(t, s, deploy), want)

	errFn := errors.New("refused by fn")
	_, err = s.UpdateStage(ctx, org.ID, c.ID, deploy.ID, func(st *store.Stage) error {
		st.Description = "half-done"
		return errFn
	})
	if err != errFn {
		t.Fatalf("UpdateStage returned %v, want fn's error unchanged", err)
	}
	_, err = s.UpdateStage(ctx, org.ID, c.ID, deploy.ID, func(st *store.Stage) error {
		st.Name = "build"
		return nil
	})
	wantErr(t, err, store.ErrConflict, `"build"`)
	equal(t, "stage after refused updates", mustFindStage(t, s, deploy), want)
	_, err = s.UpdateStage(ctx, other.ID, c.ID, deploy.ID, func(*store.Stage) error {
		t.Error("fn called for another organization's stage")
		return nil
	})
	wantErr(t, err, store.ErrNotFound, deploy.ID)

	wantErr(t, s.DeleteStage(ctx, other.ID, c.ID, deploy.ID), store.ErrNotFound)
	if err := s.DeleteStage(ctx, org.ID, c.ID, "ship"); err != nil {
		t.Fatalf("DeleteStage: %v", err)
	}
	_, err = s.FindStageByID(ctx, deploy.ID)
	wantErr(t, err, store.ErrNotFound)
	wantErr(t, s.DeleteStage(ctx, org.ID, c.ID, deploy.ID), store.ErrNotFound, deploy.ID)
	wantErr(t, s.DeleteStage(ctx, org.ID, c.ID, "missing"), store.ErrNotFound, `"missing"`)
}

func mustFindStage(t *testing.T, s store.Store, st store.Stage) store.Stage {
	t.Helper()
	got, err := s.FindStageByID(t.Context(), st.ID)
	if err != nil {
		t.Fatalf("FindStageByID(%s): %v", st.ID, err)
	}
	return got
}

func testStageEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	staging := mustCanvas(t, s, org.ID, "staging")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	elsewhere := mustStage(t, s, org.ID, staging.ID, "deploy")
	other := mustOrg(t, s, "globex")

	ev := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, now()))[0]
	equal(t, "stored stage event", findStageEvent(t, s, ev), ev)
	for _, tc := range []struct{ org, canvas, stage, id string }{
		{other.ID, c.ID, st.ID, ev.ID}, {org.ID, staging.ID, st.ID, ev.ID}, {org.ID, c.ID, elsewhere.ID, ev.ID},
		{org.ID, c.ID, st.ID, uuid.NewString()}, {org.ID, c.ID, st.ID, "nope"},
	} {
		_, err := s.FindStageEvent(ctx, tc.org, tc.canvas, tc.stage, tc.id)
		wantErr(t, err, store.ErrNotFound, tc.id)
	}

	// All or none: a stage event for a stage of another canvas (or a
	// missing stage) refuses the whole insert.
	kept := newStageEvent(st, store.StageEventPending, now())
	crossed := newStageEvent(elsewhere, store.StageEventPending, now())
	crossed.CanvasID = c.ID
	missing := newStageEvent(st, store.StageEventPending, now())
	missing.StageID = uuid.NewString()
	for _, bad := range []store.StageEvent{crossed, missing} {
		wantErr(t, s.InsertStageEvents(ctx, []store.StageEvent{kept, bad}), store.ErrNotFound, bad.StageID)
		_, err := s.FindStageEvent(ctx, org.ID, c.ID, st.ID, kept.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	wantErr(t, s.InsertStageEvents(ctx, []store.StageEvent{ev}), store.ErrConflict, ev.ID)

	// UpdateStageEvent writes the state, inputs and approvals, not the
	// event's place or trigger.
	discardedAt := now().Add(time.Minute)
	updated, err := s.UpdateStageEvent(ctx, org.ID, c.ID, st.ID, ev.ID, func(e *store.StageEvent) error {
		e.State, e.StateReason = store.StageEventDiscarded, "STATE_REASON_APPROVAL"
		e.Inputs, e.Approvals = []byte(`[]`), []byte(`[{"approvedBy":"ada"}]`)
		e.DiscardedBy, e.DiscardedAt = "ada", discardedAt
		e.ID, e.StageID, e.CanvasID, e.CreatedAt = uuid.NewString(), elsewhere.ID, staging.ID, discardedAt
		e.TriggerPayload, e.Connection = []byte(`{}`), "rewritten"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateStageEvent: %v", err)
	}
	want := ev
	want.State, want.StateReason = store.StageEventDiscarded, "STATE_REASON_APPROVAL"
	want.Inputs, want.Approvals = []byte(`[]`), []byte(`[{"approvedBy":"ada"}]`)
	want.DiscardedBy, want.DiscardedAt = "ada", discardedAt
	equal(t, "updated stage event", updated, want)
	equal(t, "stored stage event after update", findStageEvent(t, s, ev), want)

	errFn := errors.New("refused by fn")
	_, err = s.UpdateStageEvent(ctx, org.ID, c.ID, st.ID, ev.ID, func(e *store.StageEvent) error {
		e.State = store.StageEventPending
		return errFn
	})
	if err != errFn {
		t.Fatalf("UpdateStageEvent returned %v, want fn's error unchanged", err)
	}
	equal(t, "stage event after a refused update", findStageEvent(t, s, ev), want)
	_, err = s.UpdateStageEvent(ctx, other.ID, c.ID, st.ID, ev.ID, func(*store.StageEvent) error {
		t.Error("fn called for another organization's stage event")
		return nil
	})
	wantErr(t, err, store.ErrNotFound, ev.ID)
}

func testListStageEvents(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	neighbour := mustStage(t, s, org.ID, c.ID, "build")
	mustStageEvents(t, s, newStageEvent(neighbour, store.StageEventPending, now()))

	// 60 events, four per instant, so that pages end inside a group of equal
	// times and only the id breaks the tie; inserted out of order.
	const total = 60
	base := now().Add(-time.Hour)
	states := []string{store.StageEventPending, store.StageEventWaiting, store.StageEventProcessed, store.StageEventDiscarded}
	var all []store.StageEvent
	for i := range total {
		at := base.Add(time.Duration((i*37)%total/4) * time.Millisecond)
		all = append(all, newStageEvent(st, states[i%len(states)], at))
	}
	mustStageEvents(t, s, all...)
	newestFirst := func(evs []store.StageEvent, states ...string) []store.StageEvent {
		var out []store.StageEvent
		for _, ev := range evs {
			if len(states) == 0 || ev.State == states[0] || (len(states) > 1 && ev.State == states[1]) {
				out = append(out, ev)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
				return out[i].CreatedAt.After(out[j].CreatedAt)
			}
			return out[i].ID > out[j].ID
		})
		return out
	}
	pageAll := func(states []string, page store.Page) []store.StageEvent {
		t.Helper()
		var got []store.StageEvent
		for range total + 1 { // bounded: each page moves on by at least one event
			evs, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, states, page)
			if err != nil {
				t.Fatalf("ListStageEvents(%v, %+v): %v", states, page, err)
			}
			if len(evs) > page.Limit {
				t.Fatalf("ListStageEvents returned %d events for limit %d", len(evs), page.Limit)
			}
			got = append(got, evs...)
			if len(evs) < page.Limit {
				return got
			}
			last := evs[len(evs)-1]
			page.BeforeTime, page.BeforeID = last.CreatedAt, last.ID
		}
		t.Fatal("paging does not end")
		return nil
	}
	equal(t, "every stage event, in pages of 7", stageEventIDs(pageAll(nil, store.Page{Limit: 7})), stageEventIDs(newestFirst(all)))
	queued := []string{store.StageEventPending, store.StageEventWaiting}
	equal(t, "queued stage events, in pages of 4", stageEventIDs(pageAll(queued, store.Page{Limit: 4})),
		stageEventIDs(newestFirst(all, queued...)))

	first, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, nil, store.Page{})
	if err != nil {
		t.Fatalf("ListStageEvents: %v", err)
	}
	equal(t, "default page", stageEventIDs(first), stageEventIDs(newestFirst(all)[:50]))
	equal(t, "newest stage event", first[0], newestFirst(all)[0])

	other := mustOrg(t, s, "globex")
	if evs, err := s.ListStageEvents(ctx, other.ID, c.ID, st.ID, nil, store.Page{}); err != nil || len(evs) != 0 {
		t.Errorf("another organization lists %d stage events, %v; want none", len(evs), err)
	}
}

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

func testQueueHeads(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	other := mustOrg(t, s, "globex")
	oc := mustCanvas(t, s, other.ID, "prod")
	base := now().Add(-time.Hour)
	at := func(seconds int) time.Time { return base.Add(time.Duration(seconds) * time.Second) }

	if heads, err := s.QueueHeads(ctx, now(), 10); err != nil || len(heads) != 0 {
		t.Fatalf("QueueHeads with no stages = %v, %v; want none", heads, err)
	}

	// a: its oldest queued event is waiting, behind processed and discarded
	// history; two events share the head's time and the id decides.
	a := mustStage(t, s, org.ID, c.ID, "a")
	aTie1 := newStageEvent(a, store.StageEventWaiting, at(10))
	aTie2 := newStageEvent(a, store.StageEventPending, at(10))
	aHead, aNext := aTie1, aTie2
	if aTie2.ID < aTie1.ID {
		aHead, aNext = aTie2, aTie1
	}
	mustStageEvents(t, s, newStageEvent(a, store.StageEventProcessed, at(1)), newStageEvent(a, store.StageEventDiscarded, at(2)),
		newStageEvent(a, store.StageEventPending, at(30)), aTie1, aTie2)
	// b: runs an execution, so its queue waits.
	b := mustStage(t, s, org.ID, c.ID, "b")
	bRunning := startExecution(t, s, b, at(0))
	bHead := mustStageEvents(t, s, newStageEvent(b, store.StageEventPending, at(5)))[0]
	// c: nothing queued.
	cs := mustStage(t, s, org.ID, c.ID, "c")
	mustStageEvents(t, s, newStageEvent(cs, store.StageEventProcessed, at(3)))
	mustStage(t, s, org.ID, c.ID, "empty")
	// d, in another organization, has the oldest head.
	d := mustStage(t, s, other.ID, oc.ID, "d")
	dHead := mustStageEvents(t, s, newStageEvent(d, store.StageEventPending, at(4)))[0]
	// e: its queue is younger than a's.
	e := mustStage(t, s, org.ID, c.ID, "e")
	eHead := mustStageEvents(t, s, newStageEvent(e, store.StageEventPending, at(20)))[0]

	heads, err := s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	equal(t, "queue heads, oldest first", stageEventIDs(heads), stageEventIDs([]store.StageEvent{dHead, aHead, eHead}))
	equal(t, "a's head as stored", heads[1], findStageEvent(t, s, aHead))
	if heads, err := s.QueueHeads(ctx, now(), 2); err != nil {
		t.Fatalf("QueueHeads(2): %v", err)
	} else {
		equal(t, "two queue heads", stageEventIDs(heads), stageEventIDs([]store.StageEvent{dHead, aHead}))
	}

	// When b's execution finishes, b's queue moves; when a's head leaves
	// the queue, the next in line is the head.
	owner := "server-1"
	claimed := claim(t, s, owner, now(), now().Add(time.Hour))
	if claimed.ID != bRunning.ID {
		t.Fatalf("claimed %s, want b's execution %s", claimed.ID, bRunning.ID)
	}
	finish(t, s, claimed, owner, "RESULT_PASSED", now())
	if _, err := s.UpdateStageEvent(ctx, org.ID, c.ID, a.ID, aHead.ID, func(ev *store.StageEvent) error {
		ev.State = store.StageEventDiscarded
		return nil
	}); err != nil {
		t.Fatalf("discard a's head: %v", err)
	}
	heads, err = s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	equal(t, "queue heads after the queues moved", stageEventIDs(heads), stageEventIDs([]store.StageEvent{dHead, bHead, aNext, eHead}))
	if heads, err := s.QueueHeads(ctx, now(), 0); err != nil || len(heads) != 0 {
		t.Errorf("QueueHeads(0) = %v, %v; want none", heads, err)
	}
}

func testStartExecution(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	base := now().Add(-time.Hour)
	first := mustStageEvents(t, s, newStageEvent(st, store.StageEventWaiting, base))[0]
	second := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, base.Add(time.Second)))[0]

	// The execution takes its place from the event, whatever the caller says.
	ex := store.Execution{
		ID: uuid.NewString(), OrgID: uuid.NewString(), CanvasID: uuid.NewString(), StageID: uuid.NewString(),
		StageEventID: uuid.NewString(), State: store.ExecutionFinished, CreatedAt: base.Add(time.Minute),
	}
	if err := s.StartExecution(ctx, first.ID, ex); err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	want := store.Execution{
		ID: ex.ID, OrgID: org.ID, CanvasID: c.ID, StageID: st.ID, StageEventID: first.ID,
		State: store.ExecutionPending, CreatedAt: ex.CreatedAt,
	}
	equal(t, "started execution", findExecution(t, s, want), want)
	if got := findStageEvent(t, s, first); got.State != store.StageEventProcessed {
		t.Errorf("started stage event is %s, want %s", got.State, store.StageEventProcessed)
	}

	// The event left the queue; the stage runs an execution.
	err := s.StartExecution(ctx, first.ID, store.Execution{ID: uuid.NewString(), CreatedAt: now()})
	wantErr(t, err, store.ErrConflict, first.ID)
	err = s.StartExecution(ctx, second.ID, store.Execution{ID: uuid.NewString(), CreatedAt: now()})
	wantErr(t, err, store.ErrConflict, `"deploy"`)
	if got := findStageEvent(t, s, second); got.State != store.StageEventPending {
		t.Errorf("a refused start left the stage event %s, want it pending", got.State)
	}
	err = s.StartExecution(ctx, uuid.NewString(), store.Execution{ID: uuid.NewString(), CreatedAt: now()})
	wantErr(t, err, store.ErrNotFound)

	// Once it finished, the next event starts.
	owner := "server-1"
	finish(t, s, claim(t, s, owner, now(), now().Add(time.Hour)), owner, "RESULT_PASSED", now())
	if err := s.StartExecution(ctx, second.ID, store.Execution{ID: uuid.NewString(), CreatedAt: now()}); err != nil {
		t.Fatalf("StartExecution after the first finished: %v", err)
	}
}

func testStartExecutionConcurrently(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	base := now().Add(-time.Hour)
	evs := make([]store.StageEvent, Concurrency)
	for i := range evs {
		evs[i] = newStageEvent(st, store.StageEventPending, base.Add(time.Duration(i)*time.Second))
	}
	mustStageEvents(t, s, evs...)

	errs := concurrently(func(i int) error {
		return s.StartExecution(ctx, evs[i].ID, store.Execution{ID: uuid.NewString(), CreatedAt: now()})
	})
	started := -1
	for i, err := range errs {
		switch {
		case err == nil && started >= 0:
			t.Errorf("StartExecution succeeded for events %d and %d of one stage", started, i)
		case err == nil:
			started = i
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("concurrent StartExecution %d: %v, want ErrConflict or success", i, err)
		}
	}
	if started < 0 {
		t.Fatal("no concurrent StartExecution succeeded")
	}
	exs, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, store.Page{})
	if err != nil || len(exs) != 1 || exs[0].StageEventID != evs[started].ID {
		t.Fatalf("the stage has executions %+v, %v; want one, for event %d", exs, err, started)
	}
	queued, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, []string{store.StageEventPending}, store.Page{})
	if err != nil || len(queued) != Concurrency-1 {
		t.Errorf("%d stage events are still pending, %v; want %d", len(queued), err, Concurrency-1)
	}
}

func testClaimExecution(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	base := now().Add(-time.Hour)

	if _, ok, err := s.ClaimExecution(ctx, "idle", now(), now().Add(time.Minute), 0); err != nil || ok {
		t.Fatalf("ClaimExecution with nothing to run = ok %v, %v; want none", ok, err)
	}

	const executions = 10
	want := map[string]bool{}
	for i := range executions {
		st := mustStage(t, s, org.ID, c.ID, fmt.Sprint("stage-", i))
		want[startExecution(t, s, st, base.Add(time.Duration(i)*time.Second)).ID] = true
	}

	claimedAt := now()
	leaseUntil := claimedAt.Add(time.Hour)
	claimed := make([][]store.Execution, Concurrency)
	errs := concurrently(func(i int) error {
		for range executions + 1 { // bounded: each round claims one or stops
			ex, ok, err := s.ClaimExecution(ctx, fmt.Sprint("server-", i), claimedAt, leaseUntil, 0)
			if err != nil || !ok {
				return err
			}
			claimed[i] = append(claimed[i], ex)
		}
		return errors.New("claiming does not end")
	})
	owners := map[string]string{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent ClaimExecution %d: %v", i, err)
		}
		owner := fmt.Sprint("server-", i)
		for _, ex := range claimed[i] {
			if prev, dup := owners[ex.ID]; dup {
				t.Errorf("execution %s claimed by %s and %s", ex.ID, prev, owner)
			}
			owners[ex.ID] = owner
			if ex.State != store.ExecutionStarted || ex.LeaseOwner != owner || !ex.LeaseExpiresAt.Equal(leaseUntil) ||
				!ex.StartedAt.Equal(claimedAt) {
				t.Errorf("claimed execution %+v: want started, held by %s until %v, started at %v", ex, owner, leaseUntil, claimedAt)
			}
			equal(t, "claimed execution as stored", findExecution(t, s, ex), ex)
		}
	}
	if len(owners) != executions {
		t.Errorf("%d executions claimed, want %d", len(owners), executions)
	}
	for id := range want {
		if owners[id] == "" {
			t.Errorf("execution %s never claimed", id)
		}
	}

	// Live leases are not claimable; expired ones are, oldest first, and
	// keep their start time.
	if _, ok, err := s.ClaimExecution(ctx, "late", leaseUntil.Add(-time.Minute), leaseUntil.Add(time.Hour), 0); err != nil || ok {
		t.Fatalf("ClaimExecution under live leases = ok %v, %v; want none", ok, err)
	}
	later := leaseUntil.Add(time.Minute)
	var reclaimed []store.Execution
	for range executions {
		reclaimed = append(reclaimed, claim(t, s, "late", later, later.Add(time.Hour)))
	}
	sorted := append([]store.Execution(nil), reclaimed...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].CreatedAt.Before(sorted[j].CreatedAt) })
	equal(t, "reclaimed oldest first", executionIDs(reclaimed), executionIDs(sorted))
	for _, ex := range reclaimed {
		if ex.LeaseOwner != "late" || !ex.StartedAt.Equal(claimedAt) {
			t.Errorf("reclaimed execution %+v: want held by late, started at %v", ex, claimedAt)
		}
	}

	// The first owner lost it: it can neither renew nor finish.
	ex := reclaimed[0]
	_, err := s.RenewLease(ctx, ex.ID, owners[ex.ID], later.Add(time.Hour), []byte(`[]`))
	wantErr(t, err, store.ErrConflict, ex.ID)
	lost := ex
	lost.Result, lost.FinishedAt = "RESULT_PASSED", later
	wantErr(t, s.FinishExecution(ctx, lost, owners[ex.ID], nil), store.ErrConflict, ex.ID)
	equal(t, "execution after the lost owner's attempts", findExecution(t, s, ex), ex)
}

func testLease(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	staging := mustCanvas(t, s, org.ID, "staging")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	next := mustStage(t, s, org.ID, c.ID, "verify")
	elsewhere := mustStage(t, s, org.ID, staging.ID, "verify")
	startExecution(t, s, st, now())
	owner := "server-1"
	ex := claim(t, s, owner, now(), now().Add(time.Minute))

	// RenewLease extends the lease and stores resources; nil keeps them.
	until := now().Add(time.Hour)
	resources := []byte(`[{"id":"wf-1","type":"workflow","state":"running"}]`)
	if cancel, err := s.RenewLease(ctx, ex.ID, owner, until, resources); err != nil || cancel {
		t.Fatalf("RenewLease = cancel %v, %v; want no cancel", cancel, err)
	}
	if cancel, err := s.RenewLease(ctx, ex.ID, owner, until, nil); err != nil || cancel {
		t.Fatalf("RenewLease without resources = cancel %v, %v; want no cancel", cancel, err)
	}
	got := findExecution(t, s, ex)
	if !got.LeaseExpiresAt.Equal(until) || string(got.Resources) != string(resources) {
		t.Errorf("after RenewLease: lease until %v, resources %s; want %v, %s", got.LeaseExpiresAt, got.Resources, until, resources)
	}
	_, err := s.RenewLease(ctx, ex.ID, "server-2", until, nil)
	wantErr(t, err, store.ErrConflict, ex.ID)
	_, err = s.RenewLease(ctx, uuid.NewString(), owner, until, nil)
	wantErr(t, err, store.ErrConflict)

	// A downstream event the store refuses leaves the execution running.
	finishedAt := now().Add(time.Minute)
	done := got
	done.Result, done.ResultReason, done.ResultMessage = "RESULT_PASSED", "", "all green"
	done.Outputs, done.FinishedAt = []byte(`[{"name":"URL","value":"https://x"}]`), finishedAt
	done.Resources = nil
	bad := newStageEvent(elsewhere, store.StageEventPending, finishedAt)
	bad.OrgID, bad.CanvasID = "", ""
	wantErr(t, s.FinishExecution(ctx, done, owner, []store.StageEvent{bad}), store.ErrNotFound, elsewhere.ID)
	equal(t, "execution after a refused finish", findExecution(t, s, ex), got)

	// FinishExecution records the end and queues downstream, together.
	down := newStageEvent(next, store.StageEventPending, finishedAt)
	down.OrgID, down.CanvasID, down.TriggerSourceType, down.TriggerEventID = "", "", "TYPE_STAGE", ex.ID
	if err := s.FinishExecution(ctx, done, owner, []store.StageEvent{down}); err != nil {
		t.Fatalf("FinishExecution: %v", err)
	}
	want := got
	want.State, want.Result, want.ResultMessage = store.ExecutionFinished, "RESULT_PASSED", "all green"
	want.Outputs, want.FinishedAt = done.Outputs, finishedAt
	equal(t, "finished execution (resources kept)", findExecution(t, s, ex), want)
	down.OrgID, down.CanvasID = org.ID, c.ID
	equal(t, "downstream stage event", findStageEvent(t, s, down), down)

	// Finished: nobody holds it any more.
	wantErr(t, s.FinishExecution(ctx, done, owner, nil), store.ErrConflict)
	_, err = s.RenewLease(ctx, ex.ID, owner, until, nil)
	wantErr(t, err, store.ErrConflict)
	if _, ok, err := s.ClaimExecution(ctx, "server-2", until.Add(time.Hour), until.Add(2*time.Hour), 0); err != nil || ok {
		t.Errorf("ClaimExecution of a finished execution = ok %v, %v; want none", ok, err)
	}
}

func testRequestCancel(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	running := mustStage(t, s, org.ID, c.ID, "running")
	waiting := mustStage(t, s, org.ID, c.ID, "waiting")
	base := now().Add(-time.Hour)
	owner := "server-1"

	startExecution(t, s, running, base)
	started := claim(t, s, owner, now(), now().Add(time.Hour))
	pending := startExecution(t, s, waiting, base.Add(time.Second))

	// A pending execution is finished as cancelled at once.
	at := now()
	got, err := s.RequestCancel(ctx, org.ID, c.ID, waiting.ID, pending.ID, at)
	if err != nil {
		t.Fatalf("RequestCancel of a pending execution: %v", err)
	}
	want := pending
	want.State, want.Result, want.ResultReason = store.ExecutionFinished, "RESULT_CANCELLED", "RESULT_REASON_USER"
	want.FinishedAt, want.CancelledAt = at, at
	equal(t, "cancelled pending execution", got, want)
	equal(t, "stored cancelled execution", findExecution(t, s, pending), want)
	if _, ok, err := s.ClaimExecution(ctx, "server-2", now(), now().Add(time.Hour), 0); err != nil || ok {
		t.Errorf("a cancelled execution is claimable (ok %v, %v)", ok, err)
	}

	// A started one is asked to stop: its server learns it at renewal.
	got, err = s.RequestCancel(ctx, org.ID, c.ID, running.ID, started.ID, now())
	if err != nil {
		t.Fatalf("RequestCancel of a started execution: %v", err)
	}
	want = started
	want.CancelRequested = true
	equal(t, "started execution asked to cancel", got, want)
	if cancel, err := s.RenewLease(ctx, started.ID, owner, now().Add(time.Hour), nil); err != nil || !cancel {
		t.Errorf("RenewLease after a cancel request = %v, %v; want true", cancel, err)
	}

	// A finished one stays as it is.
	finished := finish(t, s, findExecution(t, s, started), owner, "RESULT_CANCELLED", now())
	got, err = s.RequestCancel(ctx, org.ID, c.ID, running.ID, started.ID, now().Add(time.Hour))
	if err != nil {
		t.Fatalf("RequestCancel of a finished execution: %v", err)
	}
	equal(t, "finished execution after a cancel request", got, finished)

	other := mustOrg(t, s, "globex")
	for _, tc := range []struct{ org, stage, id string }{
		{other.ID, running.ID, started.ID}, {org.ID, waiting.ID, started.ID}, {org.ID, running.ID, uuid.NewString()},
	} {
		_, err := s.RequestCancel(ctx, tc.org, c.ID, tc.stage, tc.id, now())
		wantErr(t, err, store.ErrNotFound, tc.id)
	}
}

func testListExecutions(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	neighbour := mustStage(t, s, org.ID, c.ID, "build")
	startExecution(t, s, neighbour, now())
	owner := "server-1"

	// Executions run one after another; pairs share a creation time.
	const total = 9
	base := now().Add(-time.Hour)
	var all []store.Execution
	for i := range total {
		at := base.Add(time.Duration(i/2) * time.Second)
		ex := startExecution(t, s, st, at)
		all = append(all, ex)
		claimed, ok, err := s.ClaimExecution(ctx, owner, now(), now().Add(time.Hour), 0)
		for ok && err == nil && claimed.StageID != st.ID { // the neighbour's execution
			claimed, ok, err = s.ClaimExecution(ctx, owner, now(), now().Add(time.Hour), 0)
		}
		if err != nil || !ok || claimed.ID != ex.ID {
			t.Fatalf("ClaimExecution = %s, ok %v, %v; want %s", claimed.ID, ok, err, ex.ID)
		}
		finish(t, s, claimed, owner, "RESULT_PASSED", now())
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.After(all[j].CreatedAt)
		}
		return all[i].ID > all[j].ID
	})
	var got []store.Execution
	page := store.Page{Limit: 2}
	for range total + 1 {
		exs, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, page)
		if err != nil {
			t.Fatalf("ListExecutions(%+v): %v", page, err)
		}
		got = append(got, exs...)
		if len(exs) < page.Limit {
			break
		}
		page.BeforeTime, page.BeforeID = exs[len(exs)-1].CreatedAt, exs[len(exs)-1].ID
	}
	equal(t, "executions in pages of 2", executionIDs(got), executionIDs(all))
	if first, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, store.Page{}); err != nil || len(first) != total {
		t.Errorf("default page has %d executions, %v; want %d", len(first), err, total)
	}
	other := mustOrg(t, s, "globex")
	if exs, err := s.ListExecutions(ctx, other.ID, c.ID, st.ID, store.Page{}); err != nil || len(exs) != 0 {
		t.Errorf("another organization lists %d executions, %v; want none", len(exs), err)
	}
}

func testLastExecution(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	owner := "server-1"

	_, _, err := s.LastExecution(ctx, st.ID, nil)
	wantErr(t, err, store.ErrNotFound)

	// Created in one order, finished in another: the finish time decides.
	base := now().Add(-time.Hour)
	run := func(createdAt, finishedAt time.Time, result string) store.Execution {
		t.Helper()
		startExecution(t, s, st, createdAt)
		return finish(t, s, claim(t, s, owner, now(), now().Add(time.Hour)), owner, result, finishedAt)
	}
	passedLate := run(base, base.Add(30*time.Minute), "RESULT_PASSED")
	failed := run(base.Add(time.Minute), base.Add(40*time.Minute), "RESULT_FAILED")
	run(base.Add(2*time.Minute), base.Add(10*time.Minute), "RESULT_PASSED")
	// An unfinished execution is never the last.
	startExecution(t, s, st, base.Add(3*time.Minute))

	ex, ev, err := s.LastExecution(ctx, st.ID, nil)
	if err != nil {
		t.Fatalf("LastExecution: %v", err)
	}
	equal(t, "last execution", ex, failed)
	equal(t, "last execution's stage event", ev, findStageEvent(t, s, store.StageEvent{
		ID: failed.StageEventID, OrgID: org.ID, CanvasID: c.ID, StageID: st.ID,
	}))
	ex, _, err = s.LastExecution(ctx, st.ID, []string{"RESULT_PASSED", "RESULT_CANCELLED"})
	if err != nil {
		t.Fatalf("LastExecution(passed): %v", err)
	}
	equal(t, "last passed execution", ex, passedLate)
	_, _, err = s.LastExecution(ctx, st.ID, []string{"RESULT_CANCELLED"})
	wantErr(t, err, store.ErrNotFound)
}

func testDeleteStagesWithHistory(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	doomed := mustCanvas(t, s, org.ID, "doomed")
	kept := mustCanvas(t, s, org.ID, "kept")
	owner := "server-1"

	// A stage with a queue, a finished execution and a running one.
	fill := func(st store.Stage) (store.StageEvent, store.Execution, store.Execution) {
		t.Helper()
		done := startExecution(t, s, st, now())
		finish(t, s, findExecution(t, s, claimUntil(t, s, owner, done.ID)), owner, "RESULT_PASSED", now())
		running := startExecution(t, s, st, now())
		claimUntil(t, s, owner, running.ID)
		queued := mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, now()))[0]
		return queued, done, running
	}
	gone := mustStage(t, s, org.ID, doomed.ID, "gone")
	inCanvas := mustStage(t, s, org.ID, doomed.ID, "with-canvas")
	survivor := mustStage(t, s, org.ID, kept.ID, "survivor")
	goneQueued, goneDone, goneRunning := fill(gone)
	canvasQueued, canvasDone, canvasRunning := fill(inCanvas)
	keptQueued, keptDone, _ := fill(survivor)

	if err := s.DeleteStage(ctx, org.ID, doomed.ID, gone.ID); err != nil {
		t.Fatalf("DeleteStage with history: %v", err)
	}
	if err := s.DeleteCanvas(ctx, org.ID, doomed.ID); err != nil {
		t.Fatalf("DeleteCanvas with stages: %v", err)
	}
	for _, st := range []store.Stage{gone, inCanvas} {
		_, err := s.FindStageByID(ctx, st.ID)
		wantErr(t, err, store.ErrNotFound)
		_, _, err = s.LastExecution(ctx, st.ID, nil)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, ev := range []store.StageEvent{goneQueued, canvasQueued} {
		_, err := s.FindStageEvent(ctx, ev.OrgID, ev.CanvasID, ev.StageID, ev.ID)
		wantErr(t, err, store.ErrNotFound)
	}
	for _, ex := range []store.Execution{goneDone, goneRunning, canvasDone, canvasRunning} {
		_, err := s.FindExecution(ctx, ex.OrgID, ex.CanvasID, ex.StageID, ex.ID)
		wantErr(t, err, store.ErrNotFound)
		_, err = s.RenewLease(ctx, ex.ID, owner, now().Add(time.Hour), nil)
		wantErr(t, err, store.ErrConflict)
	}

	// The other canvas keeps everything.
	findStageEvent(t, s, keptQueued)
	if ex, _, err := s.LastExecution(ctx, survivor.ID, nil); err != nil || ex.ID != keptDone.ID {
		t.Errorf("the kept stage's last execution = %s, %v; want %s", ex.ID, err, keptDone.ID)
	}
	if exs, err := s.ListExecutions(ctx, org.ID, kept.ID, survivor.ID, store.Page{}); err != nil || len(exs) != 2 {
		t.Errorf("the kept stage lists %d executions, %v; want 2", len(exs), err)
	}
}

// claimUntil claims executions for owner until it gets id, and fails when
// it does not.
func claimUntil(t *testing.T, s store.Store, owner, id string) store.Execution {
	t.Helper()
	for range 100 {
		ex, ok, err := s.ClaimExecution(t.Context(), owner, now(), now().Add(time.Hour), 0)
		if err != nil || !ok {
			t.Fatalf("ClaimExecution looking for %s = ok %v, %v", id, ok, err)
		}
		if ex.ID == id {
			return ex
		}
	}
	t.Fatalf("execution %s was never claimed", id)
	return store.Execution{}
}
