package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"
)

// eventRowChunks are the row counts of the multi-row event inserts, largest
// first: a batch is stored in as few statements of these sizes as fit (one
// per bit of its size below 32, then one per 32 events), so there are six
// statement texts to prepare, not one per batch size.
var eventRowChunks = []int{32, 16, 8, 4, 2, 1}

// eventInsertColumns are the columns an event insert writes, in order.
const eventInsertColumns = `id, org_id, canvas_id, source_id, type, delivery_id, raw, headers, state, state_reason,
	state_message, received_at`

// eventInsertSQL caches the multi-row insert of n events (by n).
var eventInsertSQL sync.Map

// eventInsert is the insert of n events, skipping a repeated delivery id (the
// conflict target names the partial unique index, so a repeated event id
// still fails) and answering the ids it stored.
func eventInsert(n int) string {
	if q, ok := eventInsertSQL.Load(n); ok {
		return q.(string) //nolint:forcetypeassert // only strings are stored
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO events (` + eventInsertColumns + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (source_id, delivery_id) WHERE delivery_id <> '' DO NOTHING RETURNING id`)
	q, _ := eventInsertSQL.LoadOrStore(n, b.String())
	return q.(string) //nolint:forcetypeassert // only strings are stored
}

// insertEventRows is insertEvent for a batch of the group commit, in
// multi-row statements: on PostgreSQL a round trip for up to 32 events
// instead of one an event (a busy canvas's receivers spent ~50 µs of the
// server's CPU a delivery on those round trips, BENCHMARKS.md round six), on SQLite one statement's
// overhead. Each pending event gets what insertEvent would give it; an
// error it returns (a statement that failed, a missing source) aborts the
// transaction, and insertEventBatch stores each event alone instead.
func (s *db) insertEventRows(ctx context.Context, et *eventTx, batch []*pendingEvent) error {
	rows := make([]*pendingEvent, 0, len(batch))
	for _, p := range batch {
		p.out, p.inserted, p.err = Event{}, false, nil
		source, _ := canonicalID(p.ev.SourceID)
		src, err := s.eventSourceOf(ctx, et, source)
		if err != nil {
			p.err = err
			return err
		}
		if p.ev.Verified != nil && !SameForDelivery(*p.ev.Verified, src.es) {
			// Stores nothing and fails no statement: the others go on.
			p.err = ErrSourceChanged
			continue
		}
		out := p.ev
		out.ID, _ = canonicalID(p.ev.ID)
		out.SourceID = source
		out.OrgID, out.CanvasID, out.SourceName = src.es.OrgID, src.es.CanvasID, src.es.Name
		out.Verified = nil
		out.ReceivedAt = p.ev.ReceivedAt.UTC().Truncate(time.Microsecond)
		out.Raw, out.Headers = nonEmpty(p.ev.Raw), nonEmpty(p.ev.Headers)
		p.out = out
		rows = append(rows, p)
	}
	stored := make(map[string]bool, len(rows))
	for rest := rows; len(rest) > 0; {
		n := 1
		for _, c := range eventRowChunks {
			if c <= len(rest) {
				n = c
				break
			}
		}
		if err := s.insertEventChunk(ctx, et.tx, rest[:n], stored); err != nil {
			return err
		}
		rest = rest[n:]
	}
	for _, p := range rows {
		if stored[p.out.ID] {
			p.inserted = true
			et.last[p.out.SourceID] = p.out.ID
			continue
		}
		// A repeated delivery id: the event stored with it before (maybe
		// earlier in this batch) is the answer.
		earlier, err := scanEvent(et.tx.QueryRowContext(ctx, s.q(`SELECT `+eventColumns+eventFrom+
			`WHERE e.source_id = ? AND e.delivery_id = ?`), p.out.SourceID, p.ev.DeliveryID))
		if errors.Is(err, sql.ErrNoRows) {
			// Only a concurrent delete of the source removes an event.
			err = NotFound("event source %q not found", p.ev.SourceID)
		}
		if err != nil {
			p.out, p.err = Event{}, err
			return err
		}
		p.out = earlier
	}
	return nil
}

// insertEventChunk inserts the events of rows in one statement and marks
// the ids it stored.
func (s *db) insertEventChunk(ctx context.Context, tx *sql.Tx, rows []*pendingEvent, stored map[string]bool) error {
	args := make([]any, 0, 12*len(rows))
	for _, p := range rows {
		ev := p.out
		args = append(args, ev.ID, ev.OrgID, ev.CanvasID, ev.SourceID, ev.Type, ev.DeliveryID, blob(p.ev.Raw),
			blob(p.ev.Headers), ev.State, ev.StateReason, ev.StateMessage, s.time(p.ev.ReceivedAt))
	}
	res, err := tx.QueryContext(ctx, s.q(eventInsert(len(rows))), args...)
	if err != nil {
		return err
	}
	defer func() { _ = res.Close() }()
	for res.Next() {
		var id string
		if err := res.Scan(&id); err != nil {
			return err
		}
		stored[id] = true
	}
	return res.Err()
}

// eventSourceOf is the source's row in et, read once a transaction, with
// the fields a delivery was verified and judged with (Event.Verified): the
// check costs no statement of its own. ErrNotFound when it does not exist.
func (s *db) eventSourceOf(ctx context.Context, et *eventTx, source string) (eventSourceRow, error) {
	if src, ok := et.sources[source]; ok {
		return src, nil
	}
	var src eventSourceRow
	err := et.tx.QueryRowContext(ctx, s.q(`SELECT `+deliverySourceColumns+`, name FROM event_sources WHERE id = ?`), source).
		Scan(append(deliverySourceDest(&src.es), &src.es.Name)...)
	if errors.Is(err, sql.ErrNoRows) {
		return eventSourceRow{}, NotFound("event source %q not found", source)
	}
	if err != nil {
		return eventSourceRow{}, err
	}
	et.sources[source] = src
	return src, nil
}
