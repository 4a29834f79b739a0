package engine

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRouteLoopsHoldAndReleaseConns: on PostgreSQL each routing loop holds
// a connection of its own while it runs, also idle between batches (the
// pool's connections in use, once nothing else runs, are the loops'),
// and gives it back when the engine stops (none in use).
func TestRouteLoopsHoldAndReleaseConns(t *testing.T) {
	st := openTestStore(t, true)
	pool, ok := st.(interface{ PoolStats() sql.DBStats })
	if !ok {
		t.Fatal("the store has no PoolStats")
	}
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "prod", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	hook := webhookSource(t, st, canvas, now)
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.routeBatch = 3
	const workers = 2
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// No tick: once the events are routed nothing runs, and the
		// connections in use are the loops' held ones alone.
		e.Run(runCtx, Config{Interval: time.Hour, RouteWorkers: workers})
	}()
	for i := range 20 {
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
			Raw: []byte(`{}`), Headers: []byte(`{}`), State: store.EventPending,
			ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		e.WakeRouting()
	}
	// Bounded: both loops have routed (each pass starts at once) and
	// the events are routed; the loops then idle, holding their
	// connections.
	for i := 0; ; i++ {
		n, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 && pool.PoolStats().InUse == workers {
			break
		}
		if i == 3000 {
			t.Fatalf("%d events pending, %d connections in use; want 0 and %d (the loops' held ones)",
				n, pool.PoolStats().InUse, workers)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if n := pool.PoolStats().InUse; n != 0 {
		t.Errorf("%d connections still in use after the engine stopped, want 0", n)
	}
}
