package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// PostgreSQL stores a group commit's events in one statement whatever the
// batch's size: the rows as arrays, one a column, from unnest, so the text
// is one for pgx's statement cache. The multi-row inserts of
// eventRowChunks were a round trip for each chunk (a batch of 15: 8, 4, 2
// and 1 rows, four), each encoding its own Bind.
//
// The ids travel as text[], cast here: pgx encodes a []string as uuid[] in
// the text format, building an error value for each element on the way,
// three times the allocations of the multi-row insert it replaced.
const pgEventInsert = `INSERT INTO events (` + eventInsertColumns + `)
	SELECT r.id::uuid, r.org_id::uuid, r.canvas_id::uuid, r.source_id::uuid, r.type, r.delivery_id, r.raw, r.headers,
		r.state, r.state_reason, r.state_message, r.received_at
	FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[],
		$8::bytea[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
		AS r (id, org_id, canvas_id, source_id, type, delivery_id, raw, headers, state, state_reason, state_message, received_at)
	ON CONFLICT (source_id, delivery_id) WHERE delivery_id <> '' DO NOTHING RETURNING id`

// pgEventInsertOneSource is pgEventInsert for a batch of one source's
// events, which also points the source's last event at the last of them
// it stored (by their order in $1), in the same round trip: storeEvents'
// update of the source was one more a batch. One source is one row lock,
// so the order storeEvents keeps across sources does not arise.
const pgEventInsertOneSource = `WITH ins AS (` + pgEventInsert + `),
	last AS (SELECT ins.id FROM ins JOIN unnest($1::text[]) WITH ORDINALITY AS b (id, n) ON b.id::uuid = ins.id
		ORDER BY b.n DESC LIMIT 1),
	upd AS (UPDATE event_sources SET last_event_id = last.id FROM last WHERE event_sources.id = $13::uuid)
	SELECT id FROM ins`

// insertEventRowsPG is insertEventChunk for PostgreSQL: all of rows in one
// statement, marking the ids stored. With one source it also records
// that source's last event (pgEventInsertOneSource), and tells so:
// storeEvents must not update the source again.
func (s *db) insertEventRowsPG(ctx context.Context, tx querier, rows []*pendingEvent, stored map[string]bool) (lastDone bool, err error) {
	k := len(rows)
	ids, orgs, canvases, sources := make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	types, deliveries, states, reasons, messages := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	raws, headers := make([][]byte, k), make([][]byte, k)
	at := make([]time.Time, k)
	oneSource := true
	for i, p := range rows {
		ev := p.out
		ids[i], orgs[i], canvases[i], sources[i] = ev.ID, ev.OrgID, ev.CanvasID, ev.SourceID
		types[i], deliveries[i], states[i], reasons[i], messages[i] = ev.Type, ev.DeliveryID, ev.State, ev.StateReason, ev.StateMessage
		raws[i], headers[i] = blob(p.ev.Raw), blob(p.ev.Headers)
		at[i], _ = s.time(p.ev.ReceivedAt).(time.Time)
		oneSource = oneSource && ev.SourceID == sources[0]
	}
	query := pgEventInsert
	args := []any{ids, orgs, canvases, sources, types, deliveries, raws, headers, states, reasons, messages, at}
	if oneSource && k > 0 {
		query, args = pgEventInsertOneSource, append(args, sources[0])
	}
	res, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return false, err
	}
	defer func() { _ = res.Close() }()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return false, err
		}
		stored[id] = true
	}
	return oneSource && k > 0, res.Err()
}

// insertEventsAutocommit stores a batch of one source's events on
// PostgreSQL with no transaction around them: the source's read, then
// pgEventInsertOneSource, atomic on its own, that stores the events and
// moves the source's last event. Two round trips a batch where begin and
// commit made four (a round trip costs the server CPU, each a write, a
// read and goroutines woken, which the busy canvas's routing wants).
//
// What a transaction gave is kept: the statement stores all of its rows
// or none, and the source's check against Event.Verified was a read
// without a lock in a READ COMMITTED transaction, no more current than
// this read just before the statement.
//
// It returns false, having stored nothing and answered no one, when the
// batch must go storeEvents' way: several sources, a source that cannot
// be read, or a statement PostgreSQL refused (a missing source, a taken
// id), which storeEvents' fallback answers event by event. An error
// with no answer from PostgreSQL leaves the statement's outcome unknown,
// as a failed commit's: each event gets it and nothing is tried again.
func (s *db) insertEventsAutocommit(ctx context.Context, batch []*pendingEvent) bool {
	for _, p := range batch[1:] {
		if p.ev.SourceID != batch[0].ev.SourceID {
			return false
		}
	}
	et := &eventTx{tx: s.sql, sources: map[string]eventSourceRow{}, last: map[string]string{}}
	rows, err := s.prepareEventRows(ctx, et, batch)
	if err != nil {
		return false
	}
	stored := make(map[string]bool, len(rows))
	if len(rows) > 0 {
		if _, err := s.insertEventRowsPG(ctx, s.sql, rows, stored); err != nil {
			if _, refused := errors.AsType[*pgconn.PgError](err); refused {
				return false
			}
			for _, p := range rows {
				p.out, p.err = Event{}, err
			}
			return true
		}
	}
	// The events are stored: a failed read of an earlier event fails
	// that delivery alone (its sender retries), not the batch.
	for _, p := range rows {
		_ = s.settleEventRow(ctx, et, p, stored, true)
	}
	return true
}
