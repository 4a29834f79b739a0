package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/superplane/terraform-provider-superplane/internal/store/pgtest"
)

// routeConnFixture is a PostgreSQL store with one canvas and its source.
type routeConnFixture struct {
	s      *db
	source EventSource
	now    time.Time
	n      int
}

func newRouteConnFixture(t *testing.T) *routeConnFixture {
	t.Helper()
	f := openWithSource(t, pgtest.SchemaURL(t, "routeconn"))
	return &routeConnFixture{s: f.s, source: f.source, now: f.now}
}

// insert stores n pending events.
func (f *routeConnFixture) insert(t *testing.T, n int) {
	t.Helper()
	for range n {
		f.n++
		if _, _, err := f.s.InsertEvent(t.Context(), Event{ID: uuid.NewString(), SourceID: f.source.ID, Type: "webhook",
			Raw: fmt.Appendf(nil, `{"n":%d}`, f.n), Headers: []byte(`{}`), State: EventPending,
			ReceivedAt: f.now.Add(time.Duration(f.n) * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
}

// pending counts the events not routed yet.
func (f *routeConnFixture) pending(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.s.sql.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM events WHERE state = `+sqlEventPending).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// terminate ends backend pid as a PostgreSQL restart would and waits,
// bounded, until PostgreSQL lists it no more (pg_terminate_backend only
// signals it).
func (f *routeConnFixture) terminate(t *testing.T, pid uint32) {
	t.Helper()
	ctx := t.Context()
	var ok bool
	if err := f.s.sql.QueryRowContext(ctx, `SELECT pg_terminate_backend($1)`, int64(pid)).Scan(&ok); err != nil || !ok {
		t.Fatalf("terminate backend %d: %v, %v", pid, ok, err)
	}
	for i := 0; ; i++ {
		var n int
		if err := f.s.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1`, int64(pid)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if i == 500 {
			t.Fatalf("backend %d still listed", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heldPID is the backend of the connection c holds, read from pgx
// without a statement (a statement would be the backend's last query).
func heldPID(t *testing.T, c *RouteConn) uint32 {
	t.Helper()
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		t.Fatal("the RouteConn holds no connection")
	}
	var pid uint32
	if err := conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not pgx's connection: %T", dc)
		}
		pid = c.Conn().PgConn().PID()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return pid
}

// lastQuery is the last statement backend pid ran, as PostgreSQL shows it.
func lastQuery(t *testing.T, pool *sql.DB, pid uint32) string {
	t.Helper()
	var q string
	if err := pool.QueryRowContext(t.Context(), `SELECT query FROM pg_stat_activity WHERE pid = $1`, int64(pid)).Scan(&q); err != nil {
		t.Fatalf("backend %d: %v", pid, err)
	}
	return q
}

// TestRouteConnHoldsOneBackend: a worker's batches (RouteConn) run their
// claim, the statement that writes a batch apart and the routing
// transaction on one PostgreSQL backend, the same batch after batch,
// while other traffic goes through the pool: each is the backend's last
// statement when the next step begins.
func TestRouteConnHoldsOneBackend(t *testing.T) {
	f := newRouteConnFixture(t)
	ctx := t.Context()
	rc := NewRouteConn()
	defer rc.Release()
	routeCtx := WithRouteConn(ctx, rc)
	// Other traffic holds a pool connection through the batches, so the
	// pool has connections besides the held one to hand out.
	other, err := f.s.sql.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	f.insert(t, 15)
	var pid uint32
	for batch := range 3 {
		sawClaim := false
		b, err := f.s.RouteEventsBatch(routeCtx, f.now.Add(time.Second), 5, func(ev Event) (Routed, error) {
			if !sawClaim {
				sawClaim = true
				if batch == 0 {
					pid = heldPID(t, rc)
				}
				// The claim's text (PostgreSQL shows its first kilobyte).
				if q := lastQuery(t, f.s.sql, pid); !strings.HasPrefix(q, "WITH RECURSIVE orgs") {
					t.Errorf("batch %d: the held backend's last statement before matching is not the claim: %.80q", batch, q)
				}
				if _, err := other.ExecContext(ctx, `SELECT 1`); err != nil {
					t.Fatal(err)
				}
			}
			if batch == 2 && ev.ID != "" && !strings.Contains(string(ev.Raw), `"n":11}`) {
				// Not only marks: the routing transaction writes this batch.
				return Routed{}, Reject("", "refused")
			}
			return Routed{StagesVersion: ev.StagesVersion, StagesVersionKnown: ev.StagesVersionKnown}, nil
		})
		if err != nil || b.Done != 5 {
			t.Fatalf("batch %d: done %d, %v", batch, b.Done, err)
		}
		if got := heldPID(t, rc); got != pid {
			t.Fatalf("batch %d ran on backend %d, the first on %d", batch, got, pid)
		}
		q := lastQuery(t, f.s.sql, pid)
		want := "UPDATE events e SET state" // routeApartPG's mark
		if batch == 2 {
			want = "commit" // the routing transaction's
		}
		if !strings.Contains(strings.ToLower(q), strings.ToLower(want)) {
			t.Errorf("batch %d: the held backend's last statement is not the batch's write (%s): %.80q", batch, want, q)
		}
	}
	if rc.taken != 1 {
		t.Errorf("%d connections taken for 3 batches, want 1", rc.taken)
	}
	if n := f.pending(t); n != 0 {
		t.Errorf("%d events still pending", n)
	}
}

// TestRouteConnReplacedAfterTerminate: when the held backend is
// terminated (pg_terminate_backend, as a PostgreSQL restart does) within
// routePlansFor of its last discard, the batch on it fails, its events
// stay pending, and the next batches take a new connection and route
// every event.
func TestRouteConnReplacedAfterTerminate(t *testing.T) {
	f := newRouteConnFixture(t)
	ctx := t.Context()
	rc := NewRouteConn()
	// Within the plans' time however slow the machine: past it the
	// discard would find the dead backend first (TestRouteConnDiscardsPlans).
	rc.plansFor = time.Hour
	defer rc.Release()
	routeCtx := WithRouteConn(ctx, rc)
	route := func(ev Event) (Routed, error) {
		return Routed{StagesVersion: ev.StagesVersion, StagesVersionKnown: ev.StagesVersionKnown}, nil
	}
	f.insert(t, 5)
	if b, err := f.s.RouteEventsBatch(routeCtx, f.now.Add(time.Second), 5, route); err != nil || b.Done != 5 {
		t.Fatalf("first batch: done %d, %v", b.Done, err)
	}
	old := heldPID(t, rc)
	f.terminate(t, old)
	f.insert(t, 12)
	_, err := f.s.RouteEventsBatch(routeCtx, f.now.Add(2*time.Second), 5, route)
	if err == nil {
		t.Fatal("the batch on the terminated backend did not fail")
	}
	if n := f.pending(t); n != 12 {
		t.Fatalf("%d events pending after the failed batch, want its 12 left pending", n)
	}
	for i := 0; f.pending(t) > 0; i++ {
		if i == 10 {
			t.Fatalf("%d events still pending after 10 batches", f.pending(t))
		}
		if _, err := f.s.RouteEventsBatch(routeCtx, f.now.Add(3*time.Second), 5, route); err != nil {
			t.Fatalf("batch %d after the terminate: %v", i, err)
		}
	}
	if got := heldPID(t, rc); got == old {
		t.Errorf("still holding the terminated backend %d", old)
	}
	if rc.taken != 2 {
		t.Errorf("%d connections taken, want 2 (the first, its replacement)", rc.taken)
	}
}

// TestRouteConnDiscardsPlans: a held connection keeps its plans for
// routePlansFor and no longer: past it, the next batch discards them on
// the same backend, and routing's prepared statements still run there
// (DISCARD PLANS, not DISCARD ALL, which would drop pgx's statements).
// A held backend that died meanwhile is then replaced before the batch,
// which routes its events rather than failing.
func TestRouteConnDiscardsPlans(t *testing.T) {
	f := newRouteConnFixture(t)
	ctx := t.Context()
	rc := NewRouteConn()
	defer rc.Release()
	routeCtx := WithRouteConn(ctx, rc)
	route := func(ev Event) (Routed, error) {
		return Routed{StagesVersion: ev.StagesVersion, StagesVersionKnown: ev.StagesVersionKnown}, nil
	}
	batch := func(what string) {
		t.Helper()
		f.insert(t, 3)
		if b, err := f.s.RouteEventsBatch(routeCtx, f.now.Add(time.Hour), 3, route); err != nil || b.Done != 3 {
			t.Fatalf("%s: done %d, %v", what, b.Done, err)
		}
	}
	rc.plansFor = time.Hour
	for i := range 3 {
		batch(fmt.Sprintf("batch %d within the plans' time", i))
	}
	if rc.discarded != 0 {
		t.Fatalf("plans discarded %d times within routePlansFor, want 0", rc.discarded)
	}
	pid := heldPID(t, rc)
	rc.plansFor = 0
	for i := range 2 {
		batch(fmt.Sprintf("batch %d past the plans' time", i))
	}
	if rc.discarded != 2 || rc.taken != 1 || heldPID(t, rc) != pid {
		t.Fatalf("past routePlansFor: %d discards, %d connections taken, backend %d (was %d); want 2 discards on the one backend",
			rc.discarded, rc.taken, heldPID(t, rc), pid)
	}

	f.terminate(t, pid)
	batch("the batch after the held backend died")
	if rc.taken != 2 || heldPID(t, rc) == pid {
		t.Errorf("after the terminate: %d connections taken, backend %d; want a second one, not %d", rc.taken, heldPID(t, rc), pid)
	}
	if n := f.pending(t); n != 0 {
		t.Errorf("%d events still pending", n)
	}
}

// TestRouteConnReleased: Release gives the connection back (InUse 0),
// and SQLite never holds one.
func TestRouteConnReleased(t *testing.T) {
	f := newRouteConnFixture(t)
	ctx := t.Context()
	rc := NewRouteConn()
	f.insert(t, 3)
	if _, err := f.s.RouteEventsBatch(WithRouteConn(ctx, rc), f.now.Add(time.Second), 5, func(ev Event) (Routed, error) {
		return Routed{StagesVersion: ev.StagesVersion, StagesVersionKnown: ev.StagesVersionKnown}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := f.s.sql.Stats().InUse; n != 1 {
		t.Errorf("%d connections in use between batches, want the held one", n)
	}
	rc.Release()
	rc.Release()
	if n := f.s.sql.Stats().InUse; n != 0 {
		t.Errorf("%d connections in use after Release, want 0", n)
	}

	lite, err := Open(context.Background(), "sqlite://"+t.TempDir()+"/s.db")
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.RouteEventsBatch(WithRouteConn(ctx, rc), f.now, 5, func(Event) (Routed, error) { return Routed{}, nil }); err != nil {
		t.Fatal(err)
	}
	if rc.taken != 1 {
		t.Errorf("SQLite took a connection for the RouteConn (%d taken)", rc.taken)
	}
}
