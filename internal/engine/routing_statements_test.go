package engine

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/superplane/terraform-provider-superplane/internal/api"
	"github.com/superplane/terraform-provider-superplane/internal/store"
)

// TestRoutingBatchStatements pins the round trips (socket writes,
// store.CountRoundTrips: a statement prepared on a cache miss counted, a
// pipelined one not) a routing batch of a busy canvas makes to PostgreSQL
// once its stages are kept: the claim (one statement, which also reads the
// canvas's stages version and whether it has connection groups) and one
// statement with no transaction around it that locks the canvas's version,
// re-checks the leases, marks the events processed and writes their
// filtered rejections' sets and rows: 2. It was 14 at the start of round
// seven (BENCHMARKS.md): the version read apart, the claim a transaction
// of four, the re-check and the mark apart, the canvas read again for the
// rejections; 8 until round ten, the rejections' sets and rows apart from
// the mark; 6 until round twelve, the canvas's connection groups listed in
// the claim turn though it has none; 5 until round thirteen, a routing
// transaction of begin, the version, the mark and commit.
func TestRoutingBatchStatements(t *testing.T) {
	ctx := t.Context()
	var n store.StatementCounter
	st := openTestStore(t, true, store.CountRoundTrips(&n))
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "busy", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	hook := webhookSource(t, st, canvas, now)
	for i := range 5 {
		if err := st.CreateStage(ctx, freeNoopStage(canvas, fmt.Sprintf("busy-%d", i), fmt.Sprintf("$.environment == 'env-%d'", i), now)); err != nil {
			t.Fatal(err)
		}
	}
	insert := func(k int) {
		t.Helper()
		for i := range k {
			if _, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
				Raw: []byte(`{"environment":"production"}`), Headers: []byte(`{}`), State: store.EventPending,
				ReceivedAt: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	insert(5)
	if done, _, _, err := e.routeOneBatch(ctx, nil); err != nil || done != 5 {
		t.Fatalf("first batch: %d routed, %v; want 5", done, err)
	}
	insert(5)
	before := n.Count()
	if done, _, _, err := e.routeOneBatch(ctx, nil); err != nil || done != 5 {
		t.Fatalf("second batch: %d routed, %v; want 5", done, err)
	}
	if got := n.Count() - before; got > 2 {
		t.Errorf("a routing batch of 5 events took %d round trips, want at most 2", got)
	}
}

// TestRoutingGathersIntoGroupsOnPostgres: on PostgreSQL the claim tells
// routing whether an event's canvas has connection groups, and routing
// lists them only then (TestRoutingBatchStatements); a canvas that has one
// still gathers its sources' events in it.
func TestRoutingGathersIntoGroupsOnPostgres(t *testing.T) {
	ctx := t.Context()
	st := openTestStore(t, true)
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, err := st.EnsureOrganization(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	canvas := store.Canvas{ID: uuid.NewString(), OrgID: org.ID, Name: "joined", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateCanvas(ctx, canvas); err != nil {
		t.Fatal(err)
	}
	hook := webhookSource(t, st, canvas, now)
	spec, _ := json.Marshal(api.ConnectionGroupSpec{
		Connections: []api.Connection{{Type: api.ConnectionTypeEventSource, Name: "hook"}, {Type: api.ConnectionTypeEventSource, Name: "other"}},
		GroupBy:     &api.GroupBy{Fields: []api.GroupByField{{Name: "version", Expression: "$.version"}}},
		Timeout:     60,
	})
	group := store.ConnectionGroup{ID: uuid.NewString(), OrgID: org.ID, CanvasID: canvas.ID, Name: "join", Spec: spec,
		Timeout: time.Minute, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateConnectionGroup(ctx, group); err != nil {
		t.Fatal(err)
	}
	ev, _, err := st.InsertEvent(ctx, store.Event{ID: uuid.NewString(), SourceID: hook.ID, Type: "webhook",
		Raw: []byte(`{"version":"1.0"}`), Headers: []byte(`{}`), State: store.EventPending, ReceivedAt: now})
	if err != nil {
		t.Fatal(err)
	}
	e := New(st, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if done, _, _, err := e.routeOneBatch(ctx, nil); err != nil || done != 1 {
		t.Fatalf("routing: %d routed, %v; want 1", done, err)
	}
	sets, err := st.ListFieldSets(ctx, group.ID, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) != 1 || len(sets[0].Events) != 1 || sets[0].Events[0].EventID != ev.ID {
		t.Fatalf("the group's field sets = %+v; want one holding the event", sets)
	}
}
