package storetest

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testFinishStartsDownstream: a finished execution's downstream stage
// event marked StartIfFree, matched at the canvas's stages version, starts
// its execution in the finish's transaction when its stage is free, as
// routing does, with no queue advance: pending, for a claim, which keeps
// the organization's cap. It stays queued, for the advance, when its stage
// runs an execution, when the stages changed since the match (a condition
// may have been added), when the version is not known, and when the router
// did not mark it.
func testFinishStartsDownstream(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	build := mustStage(t, s, org.ID, c.ID, "build")
	deploy := mustStage(t, s, org.ID, c.ID, "deploy")
	lease := func() time.Time { return now().Add(time.Hour) }

	// finish ends ex with one stage event for deploy.
	finish := func(ex store.Execution, startIfFree, known bool, version int64) store.StageEvent {
		t.Helper()
		se := newStageEvent(deploy, store.StageEventPending, now())
		se.TriggerSourceType, se.TriggerEventID = "TYPE_STAGE", ex.ID
		se.StartIfFree = startIfFree
		ex.Result, ex.FinishedAt = "RESULT_PASSED", now()
		down := store.Routed{StageEvents: []store.StageEvent{se}, StagesVersion: version, StagesVersionKnown: known}
		if err := s.FinishExecutionRouted(ctx, ex, ex.LeaseOwner, down, now()); err != nil {
			t.Fatalf("FinishExecutionRouted: %v", err)
		}
		return se
	}
	version := func() int64 {
		t.Helper()
		v, err := s.StagesVersion(ctx, org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// state returns the stage event's state and deploy's unfinished
	// execution, if any.
	state := func(se store.StageEvent) (string, []store.Execution) {
		t.Helper()
		got, err := s.FindStageEvent(ctx, org.ID, c.ID, deploy.ID, se.ID)
		if err != nil {
			t.Fatal(err)
		}
		runs, err := s.ListExecutions(ctx, org.ID, c.ID, deploy.ID, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var unfinished []store.Execution
		for _, ex := range runs {
			if ex.State != store.ExecutionFinished {
				unfinished = append(unfinished, ex)
			}
		}
		return got.State, unfinished
	}
	// The chain: build's finish starts deploy's execution, pending for a
	// claim, its stage event out of the queue.
	lint := mustStage(t, s, org.ID, c.ID, "lint")
	ex := startedExecution(t, s, build, "w")
	other := startedExecution(t, s, lint, "w")
	se := finish(ex, true, true, version())
	st, runs := state(se)
	if st != store.StageEventProcessed || len(runs) != 1 || runs[0].State != store.ExecutionPending ||
		runs[0].StageEventID != se.ID || runs[0].CreatedAt.Before(se.CreatedAt) {
		t.Fatalf("after build's finish: deploy's event %s, executions %+v; want processed and one pending for it", st, runs)
	}
	if heads, err := s.QueueHeads(ctx, now(), 10); err != nil || len(heads) != 0 {
		t.Errorf("QueueHeads = %+v, %v; want nothing left for the advance", heads, err)
	}
	// The organization's cap holds for it: with lint running and a cap of
	// one, no claim takes it; once lint finished, one does.
	if ex, ok, err := s.ClaimExecution(ctx, "w", now(), lease(), 1); err != nil || ok {
		t.Fatalf("ClaimExecution at the cap = %+v, %v, %v; want none", ex, ok, err)
	}
	other.Result, other.FinishedAt = "RESULT_PASSED", now()
	if err := s.FinishExecution(ctx, other, "w", nil); err != nil {
		t.Fatal(err)
	}
	deployRun, ok, err := s.ClaimExecution(ctx, "w", now(), lease(), 1)
	if err != nil || !ok || deployRun.StageID != deploy.ID {
		t.Fatalf("ClaimExecution under the cap = %+v, %v, %v; want deploy's", deployRun, ok, err)
	}
	// deploy runs: the next finish queues its event.
	se = finish(startedExecution(t, s, build, "w"), true, true, version())
	if st, runs := state(se); st != store.StageEventPending || len(runs) != 1 {
		t.Fatalf("deploy busy: its new event %s, unfinished %+v; want it queued behind the one running", st, runs)
	}
	deployRun.Result, deployRun.FinishedAt = "RESULT_PASSED", now()
	if err := s.FinishExecution(ctx, deployRun, "w", nil); err != nil {
		t.Fatal(err)
	}
	if heads, err := s.QueueHeads(ctx, now(), 10); err != nil || len(heads) != 1 || heads[0].ID != se.ID {
		t.Fatalf("QueueHeads = %+v, %v; want deploy's queued event", heads, err)
	}
	// An older queued event goes first: the new one waits too.
	next := finish(startedExecution(t, s, build, "w"), true, true, version())
	if st, runs := state(next); st != store.StageEventPending || len(runs) != 0 {
		t.Fatalf("behind a queued event: %s, unfinished %+v; want queued, nothing started", st, runs)
	}
	for _, id := range []string{se.ID, next.ID} {
		if _, err := s.UpdateStageEvent(ctx, org.ID, c.ID, deploy.ID, id, func(ev *store.StageEvent) error {
			ev.State, ev.DiscardedBy, ev.DiscardedAt = store.StageEventDiscarded, "u1", now()
			return nil
		}); err != nil {
			t.Fatalf("discarding %s: %v", id, err)
		}
	}

	// Not started, deploy free: the stages changed since the match, the
	// version unknown (FinishExecution), or not marked by the router.
	stale := version()
	mustStage(t, s, org.ID, c.ID, "audit")
	for _, tc := range []struct {
		name       string
		mark, know bool
		version    int64
	}{
		{"stages changed", true, true, stale},
		{"version unknown", true, false, 0},
		{"not marked", false, true, version()},
	} {
		se := finish(startedExecution(t, s, build, "w"), tc.mark, tc.know, tc.version)
		if st, runs := state(se); st != store.StageEventPending || len(runs) != 0 {
			t.Errorf("%s: deploy's event %s, unfinished %+v; want queued for the advance", tc.name, st, runs)
		}
		if _, err := s.UpdateStageEvent(ctx, org.ID, c.ID, deploy.ID, se.ID, func(ev *store.StageEvent) error {
			ev.State, ev.DiscardedBy, ev.DiscardedAt = store.StageEventDiscarded, "u1", now()
			return nil
		}); err != nil {
			t.Fatalf("discarding %s: %v", se.ID, err)
		}
	}
}
