package storetest

import (
	"errors"
	"sort"
	"strings"
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
