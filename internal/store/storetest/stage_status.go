package storetest

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// testStageStatuses: the batched statuses of a canvas's stages are exactly
// what the per-stage queries say (the queue's newest events and its full
// size, the newest execution), for stages with long queues, none, ties on
// creation time and executions only; nothing of another canvas or
// organization leaks in.
func testStageStatuses(t *testing.T, s store.Store) {
	ctx := t.Context()
	org := mustOrg(t, s, "acme")
	c := mustCanvas(t, s, org.ID, "prod")
	busy := mustStage(t, s, org.ID, c.ID, "busy")   // a queue longer than the limit
	mixed := mustStage(t, s, org.ID, c.ID, "mixed") // pending, waiting, processed and executions
	idle := mustStage(t, s, org.ID, c.ID, "idle")   // nothing at all
	ran := mustStage(t, s, org.ID, c.ID, "ran")     // executions only
	otherCanvas := mustCanvas(t, s, org.ID, "staging")
	elsewhere := mustStage(t, s, org.ID, otherCanvas.ID, "busy")

	base := now().Add(-time.Hour)
	run := func(st store.Stage, at time.Time) {
		ex := startExecution(t, s, st, at)
		claimed := claim(t, s, "server-1", now(), now().Add(time.Hour))
		if claimed.ID != ex.ID {
			t.Fatalf("claimed %s, want %s", claimed.ID, ex.ID)
		}
		finish(t, s, claimed, "server-1", "RESULT_PASSED", now())
	}
	for i := range 3 {
		run(mixed, base.Add(time.Duration(i)*time.Second))
	}
	// Two executions share a creation time: the id breaks the tie.
	run(ran, base.Add(time.Minute))
	run(ran, base.Add(time.Minute))
	run(elsewhere, base)

	var evs []store.StageEvent
	for i := range 25 {
		// Pairs share a creation time.
		evs = append(evs, newStageEvent(busy, store.StageEventPending, base.Add(time.Duration(i/2)*time.Second)))
	}
	for i, state := range []string{store.StageEventPending, store.StageEventWaiting, store.StageEventPending, store.StageEventProcessed, store.StageEventWaiting} {
		evs = append(evs, newStageEvent(mixed, state, base.Add(time.Duration(i)*time.Minute)))
	}
	evs = append(evs, newStageEvent(elsewhere, store.StageEventPending, base))
	mustStageEvents(t, s, evs...)

	const limit = 20
	queued := []string{store.StageEventPending, store.StageEventWaiting}
	want := func(st store.Stage, limit int) (store.StageStatus, bool) {
		t.Helper()
		all, err := s.ListStageEvents(ctx, org.ID, c.ID, st.ID, queued, store.Page{Limit: store.MaxPageLimit})
		if err != nil {
			t.Fatal(err)
		}
		var out store.StageStatus
		out.QueueTotal = len(all)
		if limit > 0 {
			out.Queue = all[:min(limit, len(all))]
		}
		last, err := s.ListExecutions(ctx, org.ID, c.ID, st.ID, store.Page{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(last) == 1 {
			out.LastExecution = &last[0]
		}
		return out, len(all) > 0 || len(last) > 0
	}
	check := func(label string, got map[string]store.StageStatus, limit int, stages ...store.Stage) {
		t.Helper()
		expected := 0
		for _, st := range stages {
			w, present := want(st, limit)
			g, ok := got[st.ID]
			if ok != present {
				t.Errorf("%s: stage %s present = %v, want %v", label, st.Name, ok, present)
				continue
			}
			if !present {
				continue
			}
			expected++
			if g.QueueTotal != w.QueueTotal {
				t.Errorf("%s: stage %s queue total = %d, want %d", label, st.Name, g.QueueTotal, w.QueueTotal)
			}
			equal(t, label+": "+st.Name+" queue", stageEventIDs(g.Queue), stageEventIDs(w.Queue))
			switch {
			case (g.LastExecution == nil) != (w.LastExecution == nil):
				t.Errorf("%s: stage %s last execution %v, want %v", label, st.Name, g.LastExecution, w.LastExecution)
			case g.LastExecution != nil && g.LastExecution.ID != w.LastExecution.ID:
				t.Errorf("%s: stage %s last execution %s, want %s", label, st.Name, g.LastExecution.ID, w.LastExecution.ID)
			case (g.LastExecutionEvent == nil) != (g.LastExecution == nil):
				t.Errorf("%s: stage %s last execution's event %v with execution %v", label, st.Name, g.LastExecutionEvent, g.LastExecution)
			case g.LastExecution != nil && (g.LastExecutionEvent.ID != g.LastExecution.StageEventID || g.LastExecutionEvent.StageID != st.ID):
				t.Errorf("%s: stage %s last execution's event %s (stage %s), want %s", label, st.Name, g.LastExecutionEvent.ID, g.LastExecutionEvent.StageID, g.LastExecution.StageEventID)
			}
		}
		if len(got) != expected {
			t.Errorf("%s: %d stages have a status, want %d (nothing of another canvas)", label, len(got), expected)
		}
	}

	got, err := s.StageStatuses(ctx, org.ID, c.ID, "", limit)
	if err != nil {
		t.Fatalf("StageStatuses: %v", err)
	}
	check("canvas", got, limit, busy, mixed, idle, ran)
	if got[busy.ID].QueueTotal != 25 || len(got[busy.ID].Queue) != limit {
		t.Errorf("busy: %d of %d queued events, want %d of 25", len(got[busy.ID].Queue), got[busy.ID].QueueTotal, limit)
	}

	one, err := s.StageStatuses(ctx, org.ID, c.ID, mixed.ID, limit)
	if err != nil {
		t.Fatalf("StageStatuses(one stage): %v", err)
	}
	check("one stage", one, limit, mixed)

	totals, err := s.StageStatuses(ctx, org.ID, c.ID, "", 0)
	if err != nil {
		t.Fatalf("StageStatuses(limit 0): %v", err)
	}
	check("totals only", totals, 0, busy, mixed, idle, ran)

	other := mustOrg(t, s, "globex")
	for _, ids := range [][3]string{{other.ID, c.ID, ""}, {org.ID, "not-a-uuid", ""}, {org.ID, c.ID, "not-a-uuid"}} {
		if got, err := s.StageStatuses(ctx, ids[0], ids[1], ids[2], limit); err != nil || len(got) != 0 {
			t.Errorf("StageStatuses(%v) = %d statuses, %v; want none", ids, len(got), err)
		}
	}
}
