package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// BenchmarkStageStatuses is the status part of listing a canvas's stages,
// each with a history of 3 executions and 3 events queued: "per-stage" is
// how the list read it before (the queue head and the newest execution, two
// queries a stage), "batched" is StageStatuses (two queries in all). The
// per-stage cost grows with the canvas; the batched one much less.
func BenchmarkStageStatuses(b *testing.B) {
	for _, n := range []int{10, 300, 1000} {
		b.Run(fmt.Sprint("stages=", n), func(b *testing.B) {
			s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
			ctx := b.Context()
			stages := benchStages(b, s, es, n)
			clock := time.Now().UTC().Truncate(time.Microsecond).Add(-24 * time.Hour)
			tick := func() time.Time { clock = clock.Add(time.Millisecond); return clock }
			for round := range 3 {
				for _, st := range stages {
					ev := benchStageEvent(st, "", tick())
					ev.OrgID, ev.CanvasID = st.OrgID, st.CanvasID
					if err := s.InsertStageEvents(ctx, []store.StageEvent{ev}); err != nil {
						b.Fatal(err)
					}
					if err := s.StartExecution(ctx, ev.ID, store.Execution{ID: uuid.NewString(), CreatedAt: clock}); err != nil {
						b.Fatal(err)
					}
					ex, ok, err := s.ClaimExecution(ctx, "seeder", clock, clock.Add(time.Second), 0)
					if err != nil || !ok {
						b.Fatalf("round %d: ClaimExecution = %v, %v", round, ok, err)
					}
					ex.Result, ex.FinishedAt = "RESULT_PASSED", tick()
					if err := s.FinishExecution(ctx, ex, "seeder", nil); err != nil {
						b.Fatal(err)
					}
				}
			}
			var queued []store.StageEvent
			for _, st := range stages {
				for range 3 {
					ev := benchStageEvent(st, "", tick())
					ev.OrgID, ev.CanvasID = st.OrgID, st.CanvasID
					queued = append(queued, ev)
				}
			}
			if err := s.InsertStageEvents(ctx, queued); err != nil {
				b.Fatal(err)
			}
			states := []string{store.StageEventPending, store.StageEventWaiting}

			b.Run("per-stage", func(b *testing.B) {
				for range b.N {
					for _, st := range stages {
						if _, err := s.ListStageEvents(ctx, es.OrgID, es.CanvasID, st.ID, states, store.Page{Limit: 20}); err != nil {
							b.Fatal(err)
						}
						if _, err := s.ListExecutions(ctx, es.OrgID, es.CanvasID, st.ID, store.Page{Limit: 1}); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
			b.Run("batched", func(b *testing.B) {
				for range b.N {
					got, err := s.StageStatuses(ctx, es.OrgID, es.CanvasID, "", 20)
					if err != nil || len(got) != n {
						b.Fatalf("StageStatuses: %d, %v", len(got), err)
					}
				}
			})
		})
	}
}
