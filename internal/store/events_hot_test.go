package store

import (
	"testing"
	"time"
)

// TestClaimWritesNoIndexEntry: on PostgreSQL, the routing claim (each
// event's attempt and lease) adds no entry to the events' indexes: its
// update stays on the row's page (HOT), as the events' pages keep room
// for it (migration 0030). At the default fillfactor the receivers filled
// each page, and each claim wrote a new entry in each of the six indexes
// and ~1,650 bytes of WAL an event (BENCHMARKS.md, PostgreSQL delivery →
// start and its floor, round eleven). The events carry the busy bench's
// ~900-byte payloads.
func TestClaimWritesNoIndexEntry(t *testing.T) {
	s := openPlanPostgres(t, "claimhot")
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Microsecond)
	org, c, es := newWebhookSource(t, s, "claimhot", now)
	const events = 400
	if _, err := s.sql.ExecContext(ctx, `INSERT INTO events (id, org_id, canvas_id, source_id, type, delivery_id, raw, headers,
			state, received_at)
		SELECT gen_random_uuid(), $1, $2, $3, 'push', 'd-' || i, convert_to('{"environment":"' || repeat('x', 880) || '"}', 'UTF8'),
			'\x7b7d', `+sqlEventPending+`, $4::timestamptz + i * interval '1 millisecond'
		FROM generate_series(1, $5::int) i`, org.ID, c.ID, es.ID, now.Add(-time.Hour), events); err != nil {
		t.Fatal(err)
	}
	indexes := func() int64 {
		t.Helper()
		var n int64
		if err := s.sql.QueryRowContext(ctx, `SELECT pg_indexes_size('events')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := indexes()
	claimed := 0
	for range events/100 + 1 {
		evs, _, err := s.claimEvents(ctx, now, now.Add(RouteLease), 100)
		if err != nil {
			t.Fatal(err)
		}
		claimed += len(evs)
	}
	if claimed != events {
		t.Fatalf("claimed %d events, want %d", claimed, events)
	}
	if grew := indexes() - before; grew != 0 {
		t.Errorf("claiming %d events grew the events' indexes by %d bytes; want no new entry (the claim's update on its page)", events, grew)
	}
}
