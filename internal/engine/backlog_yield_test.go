package engine

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// yieldsOf is how many deliveries of org waited for routing so far.
func (e *Engine) yieldsOf(org string) int {
	e.backlog.mu.Lock()
	defer e.backlog.mu.Unlock()
	return e.backlog.yields[org]
}

// TestReceiversYieldToRoutingPastTheBound: with a bound of 3, an
// organization's first 3 deliveries not yet routed answer at once; the 4th
// waits until a routing batch is written (its wait set far longer than the
// test, so only the batch can end it), and when it returns its events are
// routed. Another organization's delivery meanwhile does not wait, nor does
// the busy organization's once its events are routed.
func TestReceiversYieldToRoutingPastTheBound(t *testing.T) {
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	st, busyOrg, busy := newCanvas(t, now)
	busyHook := webhookSource(t, st, busy, now)
	quietOrg, err := st.EnsureOrganization(ctx, "quiet")
	if err != nil {
		t.Fatal(err)
	}
	quiet := store.Canvas{ID: uuid.NewString(), OrgID: quietOrg.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	quietHook := webhookSource(t, st, quiet, now)
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithRouteYield(3))
	e.backlog.wait = time.Hour
	deliver := func(src store.EventSource, i int) {
		t.Helper()
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: src.ID, Type: "webhook",
			Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending,
			ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
	pending := func(org, canvas string) int64 {
		n, _, err := st.CountEvents(context.Background(), store.EventFilter{OrgID: org, CanvasID: canvas, States: []string{store.EventPending}}, 100)
		if err != nil {
			t.Error(err)
		}
		return n
	}
	for i := range 3 {
		deliver(busyHook, i)
		e.YieldRouting(ctx, busyOrg.ID)
	}
	if n := e.yieldsOf(busyOrg.ID); n != 0 {
		t.Fatalf("%d of 3 deliveries under the bound waited, want none", n)
	}
	deliver(busyHook, 3)
	left := make(chan int64, 1)
	go func() {
		e.YieldRouting(ctx, busyOrg.ID)
		left <- pending(busyOrg.ID, busy.ID)
	}()
	for i := 0; e.yieldsOf(busyOrg.ID) == 0; i++ {
		if i == 10000 {
			t.Fatal("the 4th delivery past the bound never yielded")
		}
		time.Sleep(time.Millisecond)
	}
	deliver(quietHook, 4)
	e.YieldRouting(ctx, quietOrg.ID)
	if n := e.yieldsOf(quietOrg.ID); n != 0 {
		t.Fatalf("another organization's delivery waited %d times behind the busy one's backlog", n)
	}
	if n, _, _, err := e.routeOneBatch(ctx, nil); err != nil || n != 5 {
		t.Fatalf("routeOneBatch = %d, %v; want the 5 events", n, err)
	}
	if n := <-left; n != 0 {
		t.Errorf("the yielding delivery returned with %d of its organization's events pending, want them routed", n)
	}
	deliver(busyHook, 5)
	e.YieldRouting(ctx, busyOrg.ID)
	if n := e.yieldsOf(busyOrg.ID); n != 1 {
		t.Errorf("after the batch the busy organization's deliveries waited %d times, want only the one before it", n)
	}
}

// TestYieldIsBoundedWithRoutingDown: with no routing at all, a delivery
// past the bound still answers, after the bounded wait: deliveries are
// stored and answered as without the bound, only slower.
func TestYieldIsBoundedWithRoutingDown(t *testing.T) {
	e := New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), WithRouteYield(1))
	e.backlog.wait = time.Millisecond
	for range 5 {
		e.YieldRouting(t.Context(), "acme")
	}
	if n := e.yieldsOf("acme"); n != 4 {
		t.Errorf("%d deliveries past a bound of 1 waited, want 4", n)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	e.backlog.wait = time.Hour
	e.YieldRouting(ctx, "acme") // a sender gone: its request's context ends the wait
}
