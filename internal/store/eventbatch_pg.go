package store

import (
	"context"
	"database/sql"
	"time"
)

// PostgreSQL stores a group commit's events in one statement whatever the
// batch's size: the rows as arrays, one a column, from unnest, so the text
// is one for pgx's statement cache. The multi-row inserts of
// eventRowChunks were a round trip for each chunk (a batch of 15: 8, 4, 2
// and 1 rows, four), each encoding its own Bind.
const pgEventInsert = `INSERT INTO events (` + eventInsertColumns + `)
	SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::bytea[],
		$8::bytea[], $9::text[], $10::text[], $11::text[], $12::timestamptz[])
	ON CONFLICT (source_id, delivery_id) WHERE delivery_id <> '' DO NOTHING RETURNING id`

// pgEventInsertOneSource is pgEventInsert for a batch of one source's
// events, which also points the source's last event at the last of them
// it stored (by their order in $1), in the same round trip: storeEvents'
// update of the source was one more a batch. One source is one row lock,
// so the order storeEvents keeps across sources does not arise.
const pgEventInsertOneSource = `WITH ins AS (` + pgEventInsert + `),
	last AS (SELECT ins.id FROM ins JOIN unnest($1::uuid[]) WITH ORDINALITY AS b (id, n) ON b.id = ins.id
		ORDER BY b.n DESC LIMIT 1),
	upd AS (UPDATE event_sources SET last_event_id = last.id FROM last WHERE event_sources.id = $13::uuid)
	SELECT id FROM ins`

// insertEventRowsPG is insertEventChunk for PostgreSQL: all of rows in one
// statement, marking the ids stored. With one source it also records
// that source's last event (pgEventInsertOneSource), and tells so:
// storeEvents must not update the source again.
func (s *db) insertEventRowsPG(ctx context.Context, tx *sql.Tx, rows []*pendingEvent, stored map[string]bool) (lastDone bool, err error) {
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
