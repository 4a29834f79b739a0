package storetest

import (
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

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

// testListExecutionPage: the page a stage's execution list shows is, in one
// statement, the page ListExecutions reads (but the lease, which it does
// not read), each execution with the stage event FindStageEvent finds, and
// the count CountExecutions gives, capped the same way; an empty page past
// the last still counts the stage's executions, and nothing of another
// stage or organization is listed or counted.
func testListExecutionPage(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	st := mustStage(t, s, org.ID, c.ID, "deploy")
	neighbour := mustStage(t, s, org.ID, c.ID, "build")
	startExecution(t, s, neighbour, now())
	owner := "server-1"
	const total = 7
	base := now().Add(-time.Hour)
	for i := range total {
		ex := startExecution(t, s, st, base.Add(time.Duration(i/2)*time.Second))
		if i < total-1 { // the last stays pending
			finish(t, s, claimUntil(t, s, owner, ex.ID), owner, "RESULT_PASSED", now())
		}
	}
	page := store.Page{Limit: 3}
	seen := 0
	for range total {
		got, err := s.ListExecutionPage(ctx, org.ID, c.ID, st.ID, page, 100)
		if err != nil {
			t.Fatalf("ListExecutionPage(%+v): %v", page, err)
		}
		want, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != total || got.Capped {
			t.Errorf("page %+v counts %d, capped %v; want %d", page, got.Total, got.Capped, total)
		}
		if len(got.Executions) != len(want) {
			t.Fatalf("page %+v lists %d executions, ListExecutions %d", page, len(got.Executions), len(want))
		}
		for i, ex := range got.Executions {
			w := want[i]
			w.LeaseOwner, w.LeaseExpiresAt, w.CancelRequested = "", time.Time{}, false
			equal(t, "listed execution", ex.Execution, w)
			if ex.Event == nil {
				t.Fatalf("execution %s lists no stage event", ex.ID)
			}
			equal(t, "listed stage event", *ex.Event, findStageEvent(t, s, store.StageEvent{ID: w.StageEventID, OrgID: org.ID, CanvasID: c.ID, StageID: st.ID}))
		}
		seen += len(got.Executions)
		if len(got.Executions) == 0 {
			break
		}
		last := got.Executions[len(got.Executions)-1]
		page.BeforeTime, page.BeforeID = last.CreatedAt, last.ID
	}
	if seen != total {
		t.Errorf("the pages listed %d executions, want %d", seen, total)
	}
	if got, err := s.ListExecutionPage(ctx, org.ID, c.ID, st.ID, store.Page{}, 4); err != nil || got.Total != 4 || !got.Capped || len(got.Executions) != total {
		t.Errorf("a count bound of 4 = %d, capped %v, %d listed, %v; want 4, capped, %d listed", got.Total, got.Capped, len(got.Executions), err, total)
	}
	other := mustOrg(t, s, "globex")
	if got, err := s.ListExecutionPage(ctx, other.ID, c.ID, st.ID, store.Page{}, 100); err != nil || len(got.Executions) != 0 || got.Total != 0 {
		t.Errorf("another organization lists %d executions, counts %d, %v; want none", len(got.Executions), got.Total, err)
	}
}
