package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// benchStages adds n stages to es's canvas.
func benchStages(b *testing.B, s store.Store, es store.EventSource, n int) []store.Stage {
	b.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	stages := make([]store.Stage, n)
	for i := range stages {
		stages[i] = store.Stage{
			ID: uuid.NewString(), OrgID: es.OrgID, CanvasID: es.CanvasID, Name: fmt.Sprint("stage-", i),
			Spec:      []byte(`{"connections":[{"type":"TYPE_EVENT_SOURCE","name":"hook"}],"executor":{"type":"TYPE_HTTP"}}`),
			CreatedAt: now, UpdatedAt: now,
		}
		if err := s.CreateStage(b.Context(), stages[i]); err != nil {
			b.Fatal(err)
		}
	}
	return stages
}

func benchStageEvent(st store.Stage, trigger string, at time.Time) store.StageEvent {
	return store.StageEvent{
		ID: uuid.NewString(), StageID: st.ID, Connection: "hook", TriggerSourceType: "TYPE_EVENT_SOURCE",
		TriggerEventID: trigger, TriggerType: "push", TriggerPayload: []byte(`{"ref":"refs/heads/main"}`),
		TriggerHeaders: []byte(`{}`), State: store.StageEventPending, Inputs: []byte(`[]`), Approvals: []byte(`[]`),
		CreatedAt: at,
	}
}

// BenchmarkClaimExecution is a worker's poll among 100 running executions
// (one per stage) beside a history of 2,000 finished ones: "expired" takes
// over the execution whose lease expired first, as after a server died;
// "none" finds every lease alive, the idle worker's usual answer.
func BenchmarkClaimExecution(b *testing.B) {
	const (
		running  = 100
		finished = 2000
	)
	// Seeding needs no durability.
	s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
	ctx := b.Context()
	stages := benchStages(b, s, es, running)
	base := time.Now().UTC().Truncate(time.Microsecond).Add(-24 * time.Hour)
	clock := base
	tick := func() time.Time {
		clock = clock.Add(time.Millisecond)
		return clock
	}
	start := func(st store.Stage) store.Execution {
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
			b.Fatalf("ClaimExecution = %v, %v", ok, err)
		}
		return ex
	}
	for i := range finished {
		ex := start(stages[i%running])
		ex.Result, ex.FinishedAt = "RESULT_PASSED", tick()
		if err := s.FinishExecution(ctx, ex, "seeder", nil); err != nil {
			b.Fatal(err)
		}
	}
	for _, st := range stages {
		start(st)
	}

	b.Run("expired", func(b *testing.B) {
		for i := range b.N {
			// Every lease taken so far has expired one hour later.
			now := clock.Add(time.Duration(i+1) * time.Hour)
			if _, ok, err := s.ClaimExecution(ctx, "bench", now, now.Add(time.Minute), 0); err != nil || !ok {
				b.Fatalf("ClaimExecution = %v, %v; want an expired lease", ok, err)
			}
		}
		clock = clock.Add(time.Duration(b.N+1) * time.Hour)
	})
	// Take every lease for a year, then poll within it.
	for range running {
		if _, ok, err := s.ClaimExecution(ctx, "holder", clock.Add(time.Hour), clock.Add(365*24*time.Hour), 0); err != nil || !ok {
			b.Fatalf("ClaimExecution = %v, %v", ok, err)
		}
	}
	b.Run("none", func(b *testing.B) {
		for range b.N {
			if _, ok, err := s.ClaimExecution(ctx, "bench", clock.Add(2*time.Hour), clock.Add(3*time.Hour), 0); err != nil || ok {
				b.Fatalf("ClaimExecution = %v, %v; want none", ok, err)
			}
		}
	})
}

// BenchmarkRouteEvents routes batches of 100 events, each into two of 20
// stages, behind a history of 10,000 processed events. The time is per
// batch (one transaction), with SQLite's synchronous=OFF: the query and
// write work, without the fsync every durable commit adds.
func BenchmarkRouteEvents(b *testing.B) {
	const (
		batch   = 100
		history = 10000
	)
	s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
	ctx := b.Context()
	stages := benchStages(b, s, es, 20)
	route := func(ev store.Event) ([]store.StageEvent, error) {
		var n int
		for _, c := range ev.ID[:8] {
			n += int(c)
		}
		return []store.StageEvent{
			benchStageEvent(stages[n%len(stages)], ev.ID, ev.ReceivedAt),
			benchStageEvent(stages[(n+1)%len(stages)], ev.ID, ev.ReceivedAt),
		}, nil
	}
	at := time.Now().UTC().Truncate(time.Microsecond).Add(-24 * time.Hour)
	insert := func(n int) {
		for range n {
			at = at.Add(time.Millisecond)
			if _, _, err := s.InsertEvent(ctx, benchEvent(es, "", at)); err != nil {
				b.Fatal(err)
			}
		}
	}
	insert(history)
	for {
		n, err := s.RouteEvents(ctx, time.Now(), 500, func(store.Event) ([]store.StageEvent, error) { return nil, nil })
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			break
		}
	}

	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		insert(batch)
		b.StartTimer()
		if n, err := s.RouteEvents(ctx, time.Now(), batch, route); err != nil || n != batch {
			b.Fatalf("RouteEvents = %d, %v; want %d", n, err, batch)
		}
	}
}
