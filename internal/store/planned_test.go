package store

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestRoutingPlansFollowTheTable: on PostgreSQL, a connection that first
// routed events when the table held a handful of rows still marks a batch
// processed by primary key once the table has grown to 20,000 events,
// with no ANALYZE in between (a new database under load, every bench run):
// the routing transaction does not scan the whole table. With pgx's
// statement cache PostgreSQL kept, after five runs, a generic plan made
// for the small table, and each batch's mark read the whole table
// (BENCHMARKS.md, PostgreSQL delivery → start and its floor, round
// eleven). The claim, which keeps its cached plan (plannedEachRun), runs
// before the count.
//
// The pool holds one connection, so that the plans are that connection's
// and its statistics are flushed before they are read
// (pg_stat_force_next_flush: at the end of the statement, before the
// answer).
func TestRoutingPlansFollowTheTable(t *testing.T) {
	s := openPlanPostgres(t, "planned")
	s.sql.SetMaxOpenConns(1)
	ctx := t.Context()
	// An ANALYZE by autovacuum meanwhile would drop the cached plans.
	if _, err := s.sql.ExecContext(ctx, `ALTER TABLE events SET (autovacuum_enabled = false)`); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, c, es := newWebhookSource(t, s, "planned", now)
	version, err := s.StagesVersion(ctx, org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	received := now
	route := func(n int) {
		t.Helper()
		for range n {
			received = received.Add(time.Millisecond)
			ev := Event{ID: uuid.NewString(), SourceID: es.ID, Type: "push", Raw: []byte(`{}`), Headers: []byte(`{}`),
				State: EventPending, ReceivedAt: received}
			if _, _, err := s.InsertEvent(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		b, err := s.RouteEventsBatch(ctx, received.Add(time.Second), 100, func(Event) (Routed, error) {
			return Routed{StagesVersion: version, StagesVersionKnown: true}, nil
		})
		if err != nil || b.Done != n {
			t.Fatalf("RouteEventsBatch routed %d, %v; want %d", b.Done, err, n)
		}
	}
	for range 8 {
		route(3)
	}
	// The table grows: 20,000 events routed long ago.
	if _, err := s.sql.ExecContext(ctx, `INSERT INTO events (id, org_id, canvas_id, source_id, type, delivery_id, raw, headers,
			state, received_at)
		SELECT gen_random_uuid(), $1, $2, $3, 'push', '', '\x7b7d', '\x7b7d', `+sqlEventProcessed+`,
			$4::timestamptz - i * interval '1 millisecond'
		FROM generate_series(1, 20000) i`, org.ID, c.ID, es.ID, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	seqScans := func() int64 {
		t.Helper()
		if _, err := s.sql.ExecContext(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := s.sql.QueryRowContext(ctx, `SELECT seq_scan FROM pg_stat_user_tables WHERE relid = 'events'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 3 {
		received = received.Add(time.Millisecond)
		ev := Event{ID: uuid.NewString(), SourceID: es.ID, Type: "push", Raw: []byte(`{}`), Headers: []byte(`{}`),
			State: EventPending, ReceivedAt: received}
		if _, _, err := s.InsertEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	now = received.Add(time.Second)
	lease := now.Add(RouteLease)
	claimed, _, err := s.claimEvents(ctx, now, lease, 100)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claimed %d, %v; want 3", len(claimed), err)
	}
	matched := make([]matchedEvent, len(claimed))
	for i, ev := range claimed {
		matched[i] = matchedEvent{ev: ev, routed: Routed{StagesVersion: version, StagesVersionKnown: true}}
	}
	before := seqScans()
	ended, _, err := s.routeClaimed(ctx, now, lease, nil, matched, false)
	if err != nil || len(ended) != 3 {
		t.Fatalf("routeClaimed routed %d, %v; want 3", len(ended), err)
	}
	if n := seqScans() - before; n > 0 {
		t.Errorf("the routing transaction of 3 events among 20,000 scanned the whole table %d times; want them read by primary key", n)
	}
}
