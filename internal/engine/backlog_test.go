package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// orderStore records how many routing batches ran before the first read of
// the queue heads.
type orderStore struct {
	store.Store
	batches, batchesBeforeHeads int
	headsRead                   bool
}

func (s *orderStore) RouteEventsBatch(ctx context.Context, now time.Time, limit int, route func(ev store.Event) (store.Routed, error)) (store.RoutedBatch, error) {
	s.batches++
	return s.Store.RouteEventsBatch(ctx, now, limit, route)
}

func (s *orderStore) QueueHeads(ctx context.Context, now time.Time, limit int) ([]store.StageEvent, error) {
	if !s.headsRead {
		s.headsRead, s.batchesBeforeHeads = true, s.batches
	}
	return s.Store.QueueHeads(ctx, now, limit)
}

// TestBacklogDoesNotHoldQueues: with more events pending than one routing
// batch, an event that a free stage takes gets its execution in the same
// pass, not after the whole backlog is routed, and the engine asks for
// another pass at once for the rest (which the next pass routes).
func TestBacklogDoesNotHoldQueues(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, org, canvas := newCanvas(t, now)
	hook := webhookSource(t, st, canvas, now)
	stage := freeNoopStage(canvas, "take", "$.n == 0", now)
	if err := st.CreateStage(ctx, stage); err != nil {
		t.Fatal(err)
	}
	// The event the stage takes first, then 250 that no stage takes.
	const backlog = 250
	for i := range backlog + 1 {
		n := 1
		if i == 0 {
			n = 0
		}
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d}`, n), Headers: []byte(`{}`), State: store.EventPending,
			ReceivedAt: now.Add(time.Duration(i) * time.Microsecond)}); err != nil {
			t.Fatal(err)
		}
	}
	order := &orderStore{Store: st}
	e := New(order, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pending := func() int {
		t.Helper()
		n, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}

	e.enginePass(ctx)
	execs, err := st.ListExecutions(ctx, org.ID, canvas.ID, stage.ID, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(execs) != 1 {
		t.Fatalf("after one pass the stage has %d executions, want 1", len(execs))
	}
	if order.batchesBeforeHeads != 1 {
		t.Errorf("%d routing batches ran before the queues advanced, want 1: the stage's event waited for the backlog", order.batchesBeforeHeads)
	}
	for range 10 { // bounded: each pass routes at least a batch
		if pending() == 0 {
			break
		}
		select {
		case <-e.wake:
		default:
			t.Fatalf("%d events still pending and no pass asked for", pending())
		}
		e.enginePass(ctx)
	}
	if p := pending(); p != 0 {
		t.Fatalf("%d events still pending after 10 passes", p)
	}
}
