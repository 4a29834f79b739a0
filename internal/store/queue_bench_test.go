package store_test

import (
	"testing"
	"time"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// BenchmarkQueueHeadsWaiting is an engine pass's queue scan with 1,000
// queues waiting for an approval and one that can move.
func BenchmarkQueueHeadsWaiting(b *testing.B) {
	s, es := benchEventSource(b, "?_pragma=synchronous(OFF)")
	ctx := b.Context()
	stages := benchStages(b, s, es, 1001)
	now := time.Now().UTC().Truncate(time.Microsecond)
	evs := make([]store.StageEvent, len(stages))
	for i, st := range stages {
		evs[i] = benchStageEvent(st, "", now.Add(-time.Hour+time.Duration(i)*time.Millisecond))
		evs[i].OrgID, evs[i].CanvasID = st.OrgID, st.CanvasID
	}
	if err := s.InsertStageEvents(ctx, evs); err != nil {
		b.Fatal(err)
	}
	for i, ev := range evs[:1000] {
		if err := s.WaitStageEvent(ctx, ev, stages[i].Spec, "STATE_REASON_APPROVAL", now.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		heads, err := s.QueueHeads(ctx, now, 500)
		if err != nil || len(heads) != 1 {
			b.Fatalf("QueueHeads = %d heads, %v; want the one that can move", len(heads), err)
		}
	}
}
