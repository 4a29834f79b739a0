package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testQueueHeadsTakeTurns: one organization's backlog of old queues does
// not fill the batch; organizations, then canvases, take turns.
func testQueueHeadsTakeTurns(t *testing.T, s store.Store) {
	ctx := t.Context()
	busy := mustOrg(t, s, "busy")
	c1 := mustCanvas(t, s, busy.ID, "one")
	c2 := mustCanvas(t, s, busy.ID, "two")
	quiet := mustOrg(t, s, "quiet")
	qc := mustCanvas(t, s, quiet.ID, "prod")
	base := now().Add(-time.Hour)
	at := func(seconds int) time.Time { return base.Add(time.Duration(seconds) * time.Second) }
	head := func(orgID, canvasID, name string, seconds int) store.StageEvent {
		st := mustStage(t, s, orgID, canvasID, name)
		return mustStageEvents(t, s, newStageEvent(st, store.StageEventPending, at(seconds)))[0]
	}
	a1 := head(busy.ID, c1.ID, "a1", 1)
	a2 := head(busy.ID, c1.ID, "a2", 2)
	a3 := head(busy.ID, c1.ID, "a3", 3)
	a4 := head(busy.ID, c2.ID, "a4", 5)
	b1 := head(quiet.ID, qc.ID, "b1", 10)

	heads, err := s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	// busy's first turn goes to its oldest head, quiet's to its only one;
	// busy's second turn is canvas two's, before canvas one's older queues.
	equal(t, "queue heads by turns", stageEventIDs(heads), stageEventIDs([]store.StageEvent{a1, b1, a4, a2, a3}))
	heads, err = s.QueueHeads(ctx, now(), 2)
	if err != nil {
		t.Fatalf("QueueHeads(2): %v", err)
	}
	equal(t, "a batch of two", stageEventIDs(heads), stageEventIDs([]store.StageEvent{a1, b1}))
}

// testWaitStageEvent: a head that waits for an approval or a time window
// leaves the batch until its recheck time, an approval, a discard or an
// edit of its stage; 1,000 of them do not hide a queue that can move.
func testWaitStageEvent(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	base := now().Add(-time.Hour)
	later := now().Add(time.Hour)

	const waiting = 1000
	stages := make([]store.Stage, waiting)
	evs := make([]store.StageEvent, waiting)
	for i := range stages {
		stages[i] = mustStage(t, s, org.ID, c.ID, fmt.Sprintf("gated-%04d", i))
		evs[i] = newStageEvent(stages[i], store.StageEventPending, base.Add(time.Duration(i)*time.Millisecond))
	}
	mustStageEvents(t, s, evs...)
	for i, ev := range evs {
		if err := s.WaitStageEvent(ctx, ev, stages[i].Spec, "STATE_REASON_APPROVAL", later); err != nil {
			t.Fatalf("WaitStageEvent(%d): %v", i, err)
		}
	}
	got := findStageEvent(t, s, evs[0])
	if got.State != store.StageEventWaiting || got.StateReason != "STATE_REASON_APPROVAL" {
		t.Fatalf("waiting event is %s/%s, want STATE_WAITING/STATE_REASON_APPROVAL", got.State, got.StateReason)
	}
	free := mustStage(t, s, org.ID, c.ID, "free")
	freeHead := mustStageEvents(t, s, newStageEvent(free, store.StageEventPending, now()))[0]
	heads, err := s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	equal(t, "heads with 1,000 queues waiting", stageEventIDs(heads), []string{freeHead.ID})

	// At the recheck time they are all due again, oldest first.
	heads, err = s.QueueHeads(ctx, later, 3)
	if err != nil {
		t.Fatalf("QueueHeads at the recheck time: %v", err)
	}
	equal(t, "heads at the recheck time", stageEventIDs(heads), stageEventIDs(evs[:3]))

	// An approval makes one due at once; an edit of its stage another.
	if _, err := s.UpdateStageEvent(ctx, org.ID, c.ID, stages[5].ID, evs[5].ID, func(ev *store.StageEvent) error {
		ev.Approvals = []byte(`[{"approvedBy":"u"}]`)
		return nil
	}); err != nil {
		t.Fatalf("approve: %v", err)
	}
	if _, err := s.UpdateStage(ctx, org.ID, c.ID, stages[7].ID, func(st *store.Stage) error {
		st.Spec = []byte(`{"executor":{"type":"TYPE_NOOP"}}`)
		return nil
	}); err != nil {
		t.Fatalf("edit stage: %v", err)
	}
	heads, err = s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	equal(t, "heads after an approval and an edit", stageEventIDs(heads), []string{evs[5].ID, evs[7].ID, freeHead.ID})

	// A decision on stale reads is refused and writes nothing: the approval
	// and the edit are not lost.
	err = s.WaitStageEvent(ctx, evs[5], stages[5].Spec, "STATE_REASON_APPROVAL", later)
	wantErr(t, err, store.ErrConflict, evs[5].ID)
	err = s.WaitStageEvent(ctx, findStageEvent(t, s, evs[7]), stages[7].Spec, "STATE_REASON_APPROVAL", later)
	wantErr(t, err, store.ErrConflict, evs[7].ID)
	heads, err = s.QueueHeads(ctx, now(), 10)
	if err != nil {
		t.Fatalf("QueueHeads: %v", err)
	}
	equal(t, "heads after refused waits", stageEventIDs(heads), []string{evs[5].ID, evs[7].ID, freeHead.ID})

	// A discarded event left the queue: waiting it is refused.
	if _, err := s.UpdateStageEvent(ctx, org.ID, c.ID, stages[5].ID, evs[5].ID, func(ev *store.StageEvent) error {
		ev.State = store.StageEventDiscarded
		return nil
	}); err != nil {
		t.Fatalf("discard: %v", err)
	}
	wantErr(t, s.WaitStageEvent(ctx, findStageEvent(t, s, evs[5]), stages[5].Spec, "STATE_REASON_APPROVAL", later), store.ErrConflict)
}

// testClaimExecutionCap: with a cap per organization, concurrent claimers
// never run more than the cap of one organization at once, the others'
// executions are still claimed, and a slot frees when one finishes or its
// lease expires.
func testClaimExecutionCap(t *testing.T, s store.Store) {
	ctx := t.Context()
	busy := mustOrg(t, s, "busy")
	bc := mustCanvas(t, s, busy.ID, "prod")
	quiet := mustOrg(t, s, "quiet")
	qc := mustCanvas(t, s, quiet.ID, "prod")
	base := now().Add(-time.Hour)
	const maxPerOrg = 2
	for i := range 6 {
		startExecution(t, s, mustStage(t, s, busy.ID, bc.ID, fmt.Sprint("busy-", i)), base.Add(time.Duration(i)*time.Second))
	}
	for i := range 2 {
		startExecution(t, s, mustStage(t, s, quiet.ID, qc.ID, fmt.Sprint("quiet-", i)), base.Add(time.Minute+time.Duration(i)*time.Second))
	}

	claimedAt := now()
	leaseUntil := claimedAt.Add(time.Hour)
	claimed := make([][]store.Execution, Concurrency)
	errs := concurrently(func(i int) error {
		for range 10 { // bounded: each round claims one or stops
			ex, ok, err := s.ClaimExecution(ctx, fmt.Sprint("server-", i), claimedAt, leaseUntil, maxPerOrg)
			if err != nil || !ok {
				return err
			}
			claimed[i] = append(claimed[i], ex)
		}
		return errors.New("claiming does not end")
	})
	perOrg := map[string]int{}
	var busyRunning []store.Execution
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent ClaimExecution %d: %v", i, err)
		}
		for _, ex := range claimed[i] {
			perOrg[ex.OrgID]++
			if ex.OrgID == busy.ID {
				busyRunning = append(busyRunning, ex)
			}
		}
	}
	equal(t, "executions running per organization", perOrg, map[string]int{busy.ID: maxPerOrg, quiet.ID: 2})

	// One of busy's finishes: exactly one more of busy's is claimed.
	owner := busyRunning[0].LeaseOwner
	finish(t, s, busyRunning[0], owner, "RESULT_PASSED", now())
	next, ok, err := s.ClaimExecution(ctx, "server-x", claimedAt, leaseUntil, maxPerOrg)
	if err != nil || !ok || next.OrgID != busy.ID {
		t.Fatalf("ClaimExecution after one of busy's finished = %s of %s, ok %v, %v; want one of busy's", next.ID, next.OrgID, ok, err)
	}
	if _, ok, err := s.ClaimExecution(ctx, "server-y", claimedAt, leaseUntil, maxPerOrg); err != nil || ok {
		t.Fatalf("ClaimExecution with every organization at the cap = ok %v, %v; want none", ok, err)
	}

	// Leases that expired free their slots: each organization gets the cap
	// again (busy: its expired and pending executions; quiet: its expired
	// ones), and no more.
	afterLeases := leaseUntil.Add(time.Minute)
	perOrg = map[string]int{}
	for range 2*maxPerOrg + 1 {
		ex, ok, err := s.ClaimExecution(ctx, "server-z", afterLeases, afterLeases.Add(time.Hour), maxPerOrg)
		if err != nil {
			t.Fatalf("ClaimExecution after the leases expired: %v", err)
		}
		if ok {
			perOrg[ex.OrgID]++
		}
	}
	equal(t, "executions claimed per organization after the leases expired", perOrg, map[string]int{busy.ID: maxPerOrg, quiet.ID: maxPerOrg})
}

// testClaimExecutionFewestFirst: the organization with the fewest running
// executions is served first, even when its execution is the youngest.
func testClaimExecutionFewestFirst(t *testing.T, s store.Store) {
	busy := mustOrg(t, s, "busy")
	bc := mustCanvas(t, s, busy.ID, "prod")
	quiet := mustOrg(t, s, "quiet")
	qc := mustCanvas(t, s, quiet.ID, "prod")
	base := now().Add(-time.Hour)
	for i := range 3 {
		startExecution(t, s, mustStage(t, s, busy.ID, bc.ID, fmt.Sprint("busy-", i)), base.Add(time.Duration(i)*time.Second))
	}
	young := startExecution(t, s, mustStage(t, s, quiet.ID, qc.ID, "young"), base.Add(time.Minute))

	first := claim(t, s, "server-1", now(), now().Add(time.Hour))
	if first.OrgID != busy.ID {
		t.Fatalf("first claim took %s's execution, want the oldest, busy's", first.OrgID)
	}
	second, ok, err := s.ClaimExecution(t.Context(), "server-1", now(), now().Add(time.Hour), 10)
	if err != nil || !ok || second.ID != young.ID {
		t.Fatalf("second claim = %s, ok %v, %v; want quiet's execution %s (busy already runs one)", second.ID, ok, err, young.ID)
	}
}
