package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// openTestStore opens an empty store on SQLite, or on PostgreSQL in a
// schema of its own (dropped at the end; the test is skipped when no
// server is configured).
func openTestStore(t *testing.T, postgres bool, opts ...store.OpenOption) store.Store {
	t.Helper()
	url := filepath.Join(t.TempDir(), "superplane.db")
	if postgres {
		url = pgtest.SchemaURL(t, "enginetest")
	}
	st, err := store.Open(t.Context(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// overlapStore counts the routing batches in flight at once.
type overlapStore struct {
	store.Store
	mu                  sync.Mutex
	inFlight, maxFlight int
}

func (s *overlapStore) RouteEventsBatch(ctx context.Context, now time.Time, limit int, route func(ev store.Event) (store.Routed, error)) (store.RoutedBatch, error) {
	s.mu.Lock()
	s.inFlight++
	s.maxFlight = max(s.maxFlight, s.inFlight)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	return s.Store.RouteEventsBatch(ctx, now, limit, route)
}

// TestRouteWorkersRouteOnceInOrder: with two routing workers routing side
// by side (small batches, a backlog then a stream of deliveries), every
// event goes into each stage it matches exactly once, and each stage's
// queue (stage events by creation time, then id: QueueHeads' order) holds
// them in the order they were received, so executions start in that order.
func TestRouteWorkersRouteOnceInOrder(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) { testRouteWorkersRouteOnceInOrder(t, db == "postgres") })
	}
	// As serve opens SQLite: the batches read their events, no claim.
	t.Run("sqlite-sole-server", func(t *testing.T) { testRouteWorkersRouteOnceInOrder(t, false, store.SoleServer()) })
}

func testRouteWorkersRouteOnceInOrder(t *testing.T, postgres bool, opts ...store.OpenOption) {
	ctx := t.Context()
	st := openTestStore(t, postgres, opts...)
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
	// "all" takes every event, "even" every other one. Both wait for an
	// approval, so their queues keep every stage event pending.
	stages := map[string]string{"all": "", "even": "$.even == true"}
	stageIDs := map[string]string{}
	for name, expr := range stages {
		conn := api.Connection{Type: api.ConnectionTypeEventSource, Name: "hook"}
		if expr != "" {
			conn.Filters = []api.Filter{{Type: api.FilterTypeData, Data: &api.DataFilter{Expression: expr}}}
		}
		spec, _ := json.Marshal(api.StageSpec{
			Connections: []api.Connection{conn},
			Conditions:  []api.Condition{{Type: api.ConditionTypeApproval, Approval: &api.ConditionApproval{Count: 1}}},
			Executor:    &api.Executor{Type: api.ExecutorNoop, Spec: map[string]any{}},
		})
		stage := store.Stage{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: name, Spec: spec, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateStage(ctx, stage); err != nil {
			t.Fatal(err)
		}
		stageIDs[name] = stage.ID
	}
	const backlog, stream = 150, 250
	var received []string // event ids, in the order received
	insert := func(i int) {
		t.Helper()
		id := uuid.NewString()
		if _, _, err := st.InsertEvent(ctx, store.Event{ID: id, SourceID: hook.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d,"even":%t}`, i, i%2 == 0), Headers: []byte(`{}`), State: store.EventPending,
			ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		received = append(received, id)
	}
	for i := range backlog {
		insert(i)
	}
	overlap := &overlapStore{Store: st}
	e := New(overlap, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.routeBatch = 7 // many batches, so that the workers' overlap
	startEngine(t, e, Config{Interval: 10 * time.Millisecond, RouteWorkers: 2})
	for i := backlog; i < backlog+stream; i++ {
		insert(i)
		e.Wake()
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _, err := st.CountEvents(ctx, store.EventFilter{OrgID: org.ID, CanvasID: canvas.ID, States: []string{store.EventPending}}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	overlap.mu.Lock()
	maxFlight := overlap.maxFlight
	overlap.mu.Unlock()
	if maxFlight < 2 {
		t.Errorf("at most %d routing batch in flight at once: the two workers never overlapped", maxFlight)
	}
	for name, stageID := range stageIDs {
		var want []string
		for i, id := range received {
			if name == "all" || i%2 == 0 {
				want = append(want, id)
			}
		}
		got := queueOf(t, st, org.ID, canvas.ID, stageID)
		if len(got) != len(want) {
			t.Fatalf("stage %s: %d stage events, want %d (one an event)", name, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("stage %s: queue position %d holds event %d received; want the one received %d-th",
					name, i, indexOf(received, got[i]), indexOf(received, want[i]))
			}
		}
	}
}

// queueOf returns the trigger event ids of the stage's events in queue
// order (oldest first: creation time, then id).
func queueOf(t *testing.T, st store.Store, orgID, canvasID, stageID string) []string {
	t.Helper()
	var newest []store.StageEvent
	page := store.Page{Limit: store.MaxPageLimit}
	for range 100 {
		evs, err := st.ListStageEvents(t.Context(), orgID, canvasID, stageID, nil, page)
		if err != nil {
			t.Fatal(err)
		}
		newest = append(newest, evs...)
		if len(evs) < page.Limit {
			break
		}
		last := evs[len(evs)-1]
		page.BeforeTime, page.BeforeID = last.CreatedAt, last.ID
	}
	ids := make([]string, len(newest))
	for i, ev := range newest {
		ids[len(newest)-1-i] = ev.TriggerEventID
	}
	return ids
}

func indexOf(ids []string, id string) int {
	for i, v := range ids {
		if v == id {
			return i
		}
	}
	return -1
}
